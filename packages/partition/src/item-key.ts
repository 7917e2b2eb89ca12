import { encodeKey, keyValueBytes, partitionToken, type KeyValue } from '@shoal/codec';
import type { Item } from '@shoal/model';
import type { KeyShape } from '@shoal/metadata';

/**
 * Storage keys of items (frozen format, golden-tested):
 *   ITEM_PREFIX (1 byte) | table number (4 bytes, big-endian) | token (8 bytes) | key encoding
 * The token groups an item collection and spreads partition keys over the ring; the key encoding
 * (partition key then sort key, both order-preserving and self-delimiting) orders an item
 * collection by sort key, so a Query is one range iteration and a Scan walks token order.
 */
export const ITEM_PREFIX = 0x10;
const TABLE_PREFIX_BYTES = 5;
const TOKEN_BYTES = 8;

export function tablePrefix(tableNumber: number): Uint8Array {
  const prefix = new Uint8Array(TABLE_PREFIX_BYTES);
  writeTablePrefix(prefix, tableNumber);
  return prefix;
}

function writeTablePrefix(target: Uint8Array, tableNumber: number): void {
  target[0] = ITEM_PREFIX;
  target[1] = tableNumber >>> 24;
  target[2] = (tableNumber >>> 16) & 0xff;
  target[3] = (tableNumber >>> 8) & 0xff;
  target[4] = tableNumber & 0xff;
}

/** The key range [start, end) holding every item of a table. */
export function tableKeyRange(tableNumber: number): { gte: Uint8Array; lt: Uint8Array } {
  return { gte: tablePrefix(tableNumber), lt: tablePrefix(tableNumber + 1) };
}

/** The storage key of the item with this (already validated) primary key. */
export function itemStorageKey(tableNumber: number, shape: KeyShape, key: Item): Uint8Array {
  const partitionValue = key[shape.partitionKey.name] as KeyValue;
  const partitionBytes = keyValueBytes(partitionValue);
  const sortBytes = shape.sortKey ? encodeKey([key[shape.sortKey.name] as KeyValue]) : new Uint8Array(0);
  // From Node's pool (every byte is written below): see PrefixedEngine's withPrefix.
  const out = Buffer.allocUnsafe(TABLE_PREFIX_BYTES + TOKEN_BYTES + partitionBytes.length + sortBytes.length);
  writeTablePrefix(out, tableNumber);
  out.set(partitionToken(partitionBytes), TABLE_PREFIX_BYTES);
  out.set(partitionBytes, TABLE_PREFIX_BYTES + TOKEN_BYTES);
  out.set(sortBytes, TABLE_PREFIX_BYTES + TOKEN_BYTES + partitionBytes.length);
  return out;
}

/** Just the key attributes of an item. */
export function extractKey(shape: KeyShape, item: Item): Item {
  const key: Item = {};
  const partition = item[shape.partitionKey.name];
  if (partition) key[shape.partitionKey.name] = partition;
  if (shape.sortKey) {
    const sort = item[shape.sortKey.name];
    if (sort) key[shape.sortKey.name] = sort;
  }
  return key;
}

/** The key prefix shared by every item of one partition key (its item collection). */
export function itemCollectionPrefix(tableNumber: number, partitionValue: KeyValue): Uint8Array {
  const partitionBytes = keyValueBytes(partitionValue);
  const out = new Uint8Array(TABLE_PREFIX_BYTES + TOKEN_BYTES + partitionBytes.length);
  writeTablePrefix(out, tableNumber);
  out.set(partitionToken(partitionBytes), TABLE_PREFIX_BYTES);
  out.set(partitionBytes, TABLE_PREFIX_BYTES + TOKEN_BYTES);
  return out;
}

export { prefixEnd } from '@shoal/storage';

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * The key range of segment `segment` of `totalSegments` in a parallel Scan of the keys between
 * `range.gte` and `range.lt`, where a token follows the `range.gte` prefix: segments split the
 * 64-bit token space into equal, contiguous ranges, so together they cover every key once.
 */
export function tokenSegmentRange(range: { gte: Uint8Array; lt: Uint8Array }, segment: number, totalSegments: number): { gte: Uint8Array; lt: Uint8Array } {
  const boundary = (index: number): Uint8Array => {
    const token = (BigInt(index) << 64n) / BigInt(totalSegments);
    const out = new Uint8Array(range.gte.length + TOKEN_BYTES);
    out.set(range.gte, 0);
    new DataView(out.buffer).setBigUint64(range.gte.length, token);
    return out;
  };
  return {
    gte: segment === 0 ? range.gte : boundary(segment),
    lt: segment === totalSegments - 1 ? range.lt : boundary(segment + 1),
  };
}

export function segmentKeyRange(tableNumber: number, segment: number, totalSegments: number): { gte: Uint8Array; lt: Uint8Array } {
  return tokenSegmentRange(tableKeyRange(tableNumber), segment, totalSegments);
}
