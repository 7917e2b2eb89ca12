import { describe, expect, it } from 'vitest';
import { itemSizeBytes, type Item } from '@shoal/model';
import { decodeItem, encodeItem, StoredItem } from '@shoal/partition';

const item: Item = { id: { S: 'żółw 🐢' }, n: { N: '12.5' }, m: { M: { l: { L: [{ BOOL: true }, { NULL: true }] } } }, b: { B: 'AAEC' } };

describe('stored items', () => {
  it('round-trip, carrying the item size and the JSON', () => {
    const bytes = encodeItem(item);
    expect(decodeItem(bytes)).toEqual(item);
    const stored = StoredItem.fromBytes(bytes);
    expect(stored.size).toBe(itemSizeBytes(item));
    expect(stored.item).toEqual(item);
    expect(stored.json.text).toBe(JSON.stringify(item));
  });

  it('read the same from text as from bytes', () => {
    const bytes = encodeItem(item);
    const stored = StoredItem.fromText(Buffer.from(bytes).toString('utf8'));
    expect(stored.item).toEqual(item);
    expect(stored.size).toBe(itemSizeBytes(item));
    expect(stored.json.text).toBe(JSON.stringify(item));
    expect(Buffer.from(stored.bytes)).toEqual(Buffer.from(bytes));
  });

  it('take a given size as measured', () => {
    expect(StoredItem.fromBytes(encodeItem(item, 70_000)).size).toBe(70_000);
    expect(StoredItem.fromBytes(encodeItem(item, 400 * 1024)).size).toBe(400 * 1024);
  });

  it('read values stored as bare JSON before the size header', () => {
    const legacy = Buffer.from(JSON.stringify(item), 'utf8');
    const stored = StoredItem.fromBytes(legacy);
    expect(stored.item).toEqual(item);
    expect(stored.size).toBe(itemSizeBytes(item));
    expect(stored.json.text).toBe(JSON.stringify(item));
    expect(decodeItem(legacy)).toEqual(item);
  });
});
