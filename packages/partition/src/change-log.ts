import type { Item } from '@shoal/model';
import type { WriteOp } from '@shoal/storage';

/**
 * The change log (frozen format): one record per item write of a table that needs one (today:
 * tables with global secondary indexes; Streams will read the same records), written in the same
 * atomic batch as the item.
 *   key:   CHANGE_PREFIX | table number (u32 BE) | sequence (u64 BE)
 *   value: JSON { "o": old image, "n": new image } (either absent for an insert or a delete)
 * Sequences increase per store, so a table's records iterate in write order.
 */
export const CHANGE_PREFIX = 0x30;

export interface ChangeRecord {
  tableNumber: number;
  sequence: number;
  before: Item | undefined;
  after: Item | undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function changeKey(tableNumber: number, sequence: number): Uint8Array {
  const key = new Uint8Array(13);
  const view = new DataView(key.buffer);
  key[0] = CHANGE_PREFIX;
  view.setUint32(1, tableNumber);
  view.setUint32(5, Math.floor(sequence / 2 ** 32));
  view.setUint32(9, sequence >>> 0);
  return key;
}

export const CHANGE_LOG_RANGE = { gte: Uint8Array.of(CHANGE_PREFIX), lt: Uint8Array.of(CHANGE_PREFIX + 1) };

export function changeRecordOp(tableNumber: number, sequence: number, before: Item | undefined, after: Item | undefined): WriteOp {
  return { type: 'put', key: changeKey(tableNumber, sequence), value: encoder.encode(JSON.stringify({ o: before, n: after })) };
}

export function decodeChangeRecord(key: Uint8Array, value: Uint8Array): ChangeRecord {
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  const images = JSON.parse(decoder.decode(value)) as { o?: Item; n?: Item };
  return { tableNumber: view.getUint32(1), sequence: view.getUint32(5) * 2 ** 32 + view.getUint32(9), before: images.o, after: images.n };
}
