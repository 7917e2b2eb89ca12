import { ShoalError } from '@shoal/base';
import { isKeyValue, keyValueBytes, partitionToken } from '@shoal/codec';
import { CHANGE_PREFIX, decodeChangeRecord, decodeItem, INDEX_PREFIX, ITEM_PREFIX } from '@shoal/partition';
import type { Item } from '@shoal/model';

/**
 * The tokens a partition replica serves, kept in its keyspace at RANGE_KEY (frozen format: JSON
 * of decimal strings `{"start","end","frozenFrom"?}`) and changed only through the group's log,
 * so every replica changes it at the same point of the log. A replica without one serves what
 * the map gives it (a partition never split). While a split copies the upper half out,
 * `frozenFrom` marks it read-only: writes to tokens at or past it are refused; once the split
 * is published the range ends at the split point and `frozenFrom` (= end) says that records of
 * the upper half may remain until they are deleted, so scans filter them out.
 */
export interface TokenRange {
  start: bigint;
  end: bigint;
}

export interface RangeDescriptor extends TokenRange {
  frozenFrom?: bigint;
}

export const RANGE_KEY = Uint8Array.of(0x22);
export const TOKEN_SPACE_END = 1n << 64n;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeRange(range: RangeDescriptor): Uint8Array {
  const json: Record<string, string> = { start: range.start.toString(), end: range.end.toString() };
  if (range.frozenFrom !== undefined) json.frozenFrom = range.frozenFrom.toString();
  return encoder.encode(JSON.stringify(json));
}

export function decodeRange(bytes: Uint8Array): RangeDescriptor {
  const json = JSON.parse(decoder.decode(bytes)) as Record<string, string>;
  const range: RangeDescriptor = { start: BigInt(json.start as string), end: BigInt(json.end as string) };
  if (json.frozenFrom !== undefined) range.frozenFrom = BigInt(json.frozenFrom);
  return range;
}

export function isRangeKey(key: Uint8Array): boolean {
  return key.length === 1 && key[0] === RANGE_KEY[0];
}

/**
 * The router asked a replica for keys its partition no longer serves (split off, or frozen for
 * a split): the request had no effect, and the router retries it on a newer partition map.
 */
export class StaleRangeError extends ShoalError {
  constructor(detail: string) {
    super('StaleRange', `the partition does not serve ${detail}; refresh the partition map`, 'server');
  }
}

/** The name of a table's partition key attribute, by table number (undefined: unknown table). */
export type PartitionKeyOf = (tableNumber: number) => string | undefined;

/** The token of an item's storage key (ITEM_PREFIX | table (4) | token (8) | key). */
export function itemKeyToken(storageKey: Uint8Array): bigint {
  return new DataView(storageKey.buffer, storageKey.byteOffset, storageKey.byteLength).getBigUint64(5);
}

/**
 * The token that decides which partition holds a stored record: an item's own; for an index
 * entry or a change record, its table item's (entries live beside their items; an entry's
 * value, the projected item, and a change record's images always carry the table's key).
 * Undefined for anything else (bookkeeping), and for tables the resolver does not know.
 */
export function ownerToken(key: Uint8Array, value: Uint8Array, partitionKeyOf: PartitionKeyOf): bigint | undefined {
  if (key[0] === ITEM_PREFIX && key.length >= 13) return itemKeyToken(key);
  if ((key[0] !== INDEX_PREFIX && key[0] !== CHANGE_PREFIX) || key.length < 5) return undefined;
  const tableNumber = new DataView(key.buffer, key.byteOffset, key.byteLength).getUint32(1);
  const name = partitionKeyOf(tableNumber);
  if (name === undefined) return undefined;
  let item: Item | undefined;
  if (key[0] === INDEX_PREFIX) item = decodeItem(value);
  else {
    const record = decodeChangeRecord(key, value);
    item = record.after ?? record.before;
  }
  const partitionValue = item?.[name];
  if (!partitionValue || !isKeyValue(partitionValue)) return undefined;
  const token = partitionToken(keyValueBytes(partitionValue));
  return new DataView(token.buffer, token.byteOffset, token.byteLength).getBigUint64(0);
}

export function contains(range: TokenRange, token: bigint): boolean {
  return token >= range.start && token < range.end;
}

export function describeRange(range: TokenRange): string {
  return `[${range.start}, ${range.end})`;
}
