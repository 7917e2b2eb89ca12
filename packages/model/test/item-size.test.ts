import { describe, expect, it } from 'vitest';
import { itemSizeBytes, utf8Length } from '@shoal/model';

describe('item size as DynamoDB counts it', () => {
  it('counts strings in UTF-8 bytes, a lone surrogate as its 3-byte replacement', () => {
    expect(['', 'hello', 'é', '✓', '😀', '\ud800', '\ud800x', 'a\udc00'].map(utf8Length)).toEqual([0, 5, 2, 3, 4, 3, 4, 4]);
  });

  it('adds attribute names, number digits, and the overhead of maps and lists', () => {
    expect(itemSizeBytes({ name: { S: 'hello' } })).toBe(9);
    expect(itemSizeBytes({ a: { BOOL: true }, b: { NULL: true } })).toBe(4);
    expect(itemSizeBytes({ n: { N: '1' } })).toBe(3); // 1 + (1 + ceil(1 / 2))
    expect(itemSizeBytes({ n: { N: '-12345.678' } })).toBe(7); // 1 + (1 + ceil(8 / 2) + 1 for the sign)
    expect(itemSizeBytes({ m: { M: { x: { S: 'y' } } } })).toBe(7); // 1 + 3 + (1 + 1 + 1)
    expect(itemSizeBytes({ l: { L: [{ N: '1' }, { S: 'ab' }] } })).toBe(10); // 1 + 3 + (1 + 2) + (1 + 2)
    expect(itemSizeBytes({ ss: { SS: ['a', 'é'] }, bs: { BS: ['AAAA'] } })).toBe(2 + 3 + 2 + 3); // names + 1 + 2 bytes + 3 decoded bytes
  });
});
