import { describe, expect, it } from 'vitest';
import { encodeJsonDocument, RawJson } from '@shoal/model';

const raw = (value: unknown) => new RawJson(JSON.stringify(value));

describe('encodeJsonDocument', () => {
  it('gives the text JSON.stringify gives, copying raw members', () => {
    const items = [{ id: { S: 'a' } }, { id: { S: 'b' }, n: { N: '1' } }];
    const document = { Items: items.map(raw), Count: 2, ScannedCount: 2, LastEvaluatedKey: { id: { S: 'b' } } };
    const expected = JSON.stringify({ Items: items, Count: 2, ScannedCount: 2, LastEvaluatedKey: { id: { S: 'b' } } });
    expect(encodeJsonDocument(document).toString('utf8')).toBe(expected);
    expect(JSON.stringify(document)).toBe(expected);
  });

  it('handles a raw member anywhere, mixed arrays, empty arrays, undefined members and unicode', () => {
    const document = { Count: 0, Item: raw({ s: { S: 'żółw 🐢' } }), Items: [raw({ a: { N: '1' } }), { b: { S: 'x' } }], Empty: [], Skipped: undefined, Last: 'é' };
    expect(encodeJsonDocument(document).toString('utf8')).toBe(JSON.stringify(document));
  });

  it('encodes documents without raw members with JSON.stringify', () => {
    for (const document of [{}, { TableNames: ['a', 'b'] }, { Table: { TableName: 't', ItemCount: 0 } }]) {
      expect(encodeJsonDocument(document).toString('utf8')).toBe(JSON.stringify(document));
    }
  });
});
