import { describe, expect, it } from 'vitest';
import { itemStorageKey, tableKeyRange } from '@shoal/partition';

describe('item storage keys', () => {
  const shape = { partitionKey: { name: 'pk', type: 'S' as const }, sortKey: { name: 'sk', type: 'N' as const } };

  it('is frozen: prefix, table number, token, partition key, sort key', () => {
    const key = itemStorageKey(258, shape, { pk: { S: 'ab' }, sk: { N: '1.5' } });
    expect(Buffer.from(key).toString('hex')).toBe('10' + '00000102' + '4039dcc9b5d56eef' + '61620001' + '030400020600');
  });

  it('falls inside its table range and outside the neighbours', () => {
    const key = itemStorageKey(7, shape, { pk: { S: 'x' }, sk: { N: '-3' } });
    const inRange = (range: { gte: Uint8Array; lt: Uint8Array }) =>
      Buffer.compare(Buffer.from(key), Buffer.from(range.gte)) >= 0 && Buffer.compare(Buffer.from(key), Buffer.from(range.lt)) < 0;
    expect([inRange(tableKeyRange(6)), inRange(tableKeyRange(7)), inRange(tableKeyRange(8))]).toEqual([false, true, false]);
  });
});
