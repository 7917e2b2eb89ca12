import { encodeKey, isKeyValue, keyValueBytes, partitionToken, type KeyValue } from '@shoal/codec';
import type { AttributeValue, Item } from '@shoal/model';
import type { KeyShape } from '@shoal/metadata';
import type { WriteOp } from '@shoal/storage';

/**
 * Secondary index entries (frozen format, golden-tested):
 *   INDEX_PREFIX | table number (4) | index number (2) | token of the index partition key (8)
 *   | index partition key | index sort key (if any) | table partition key | table sort key (if any)
 * The table key at the end makes entries unique (index keys need not be); everything before it
 * sorts as DynamoDB sorts index keys, so a Query on an index is one range iteration too. The
 * value is the projected item.
 */
export const INDEX_PREFIX = 0x11;
const INDEX_PREFIX_BYTES = 7;

export interface IndexHandle {
  indexNumber: number;
  name: string;
  kind: 'local' | 'global';
  shape: KeyShape;
  /** Non-key attributes the entry carries; undefined for ProjectionType ALL. */
  projected: string[] | undefined;
}

function writeIndexPrefix(target: Uint8Array, tableNumber: number, indexNumber: number): void {
  target[0] = INDEX_PREFIX;
  new DataView(target.buffer, target.byteOffset).setUint32(1, tableNumber);
  new DataView(target.buffer, target.byteOffset).setUint16(5, indexNumber);
}

export function indexKeyRange(tableNumber: number, indexNumber: number): { gte: Uint8Array; lt: Uint8Array } {
  const start = new Uint8Array(INDEX_PREFIX_BYTES);
  const end = new Uint8Array(INDEX_PREFIX_BYTES);
  writeIndexPrefix(start, tableNumber, indexNumber);
  writeIndexPrefix(end, tableNumber, indexNumber + 1);
  return { gte: start, lt: end };
}

/** The prefix of the entries with one index partition key value. */
export function indexCollectionPrefix(tableNumber: number, indexNumber: number, partitionValue: KeyValue): Uint8Array {
  const partitionBytes = keyValueBytes(partitionValue);
  const out = new Uint8Array(INDEX_PREFIX_BYTES + 8 + partitionBytes.length);
  writeIndexPrefix(out, tableNumber, indexNumber);
  out.set(partitionToken(partitionBytes), INDEX_PREFIX_BYTES);
  out.set(partitionBytes, INDEX_PREFIX_BYTES + 8);
  return out;
}

/** The entry key of an item in an index, or undefined when the item lacks an index key (sparse). */
export function indexEntryKey(tableNumber: number, tableShape: KeyShape, index: IndexHandle, item: Item): Uint8Array | undefined {
  const indexPartition = keyAttribute(item, index.shape.partitionKey);
  if (!indexPartition) return undefined;
  const indexSort = index.shape.sortKey ? keyAttribute(item, index.shape.sortKey) : undefined;
  if (index.shape.sortKey && !indexSort) return undefined;
  const prefix = indexCollectionPrefix(tableNumber, index.indexNumber, indexPartition);
  const rest = encodeKey([
    ...(indexSort ? [indexSort] : []),
    item[tableShape.partitionKey.name] as KeyValue,
    ...(tableShape.sortKey ? [item[tableShape.sortKey.name] as KeyValue] : []),
  ]);
  const out = new Uint8Array(prefix.length + rest.length);
  out.set(prefix, 0);
  out.set(rest, prefix.length);
  return out;
}

function keyAttribute(item: Item, key: { name: string; type: string }): KeyValue | undefined {
  const value: AttributeValue | undefined = item[key.name];
  return value && isKeyValue(value) && key.type in value ? value : undefined;
}

/** What an index entry stores: the table and index keys, plus the projected attributes. */
export function projectForIndex(tableShape: KeyShape, index: IndexHandle, item: Item): Item {
  if (index.projected === undefined) return item;
  const names = [tableShape.partitionKey.name, tableShape.sortKey?.name, index.shape.partitionKey.name, index.shape.sortKey?.name, ...index.projected];
  const entry: Item = {};
  for (const name of names) {
    if (name !== undefined && Object.hasOwn(item, name)) entry[name] = item[name] as AttributeValue;
  }
  return entry;
}

/**
 * The index writes that move an item from `before` to `after` (either may be absent), to be
 * applied in the same batch as the item itself.
 */
export function indexWrites(
  tableNumber: number,
  tableShape: KeyShape,
  indexes: readonly IndexHandle[],
  before: Item | undefined,
  after: Item | undefined,
  encode: (item: Item) => Uint8Array,
): { ops: WriteOp[]; changes: { index: IndexHandle; removed: Item | undefined; added: Item | undefined }[] } {
  const ops: WriteOp[] = [];
  const changes: { index: IndexHandle; removed: Item | undefined; added: Item | undefined }[] = [];
  for (const index of indexes) {
    const oldKey = before ? indexEntryKey(tableNumber, tableShape, index, before) : undefined;
    const newKey = after ? indexEntryKey(tableNumber, tableShape, index, after) : undefined;
    if (!oldKey && !newKey) continue;
    const added = newKey && after ? projectForIndex(tableShape, index, after) : undefined;
    if (oldKey && (!newKey || Buffer.compare(Buffer.from(oldKey), Buffer.from(newKey)) !== 0)) ops.push({ type: 'del', key: oldKey });
    if (newKey && added) ops.push({ type: 'put', key: newKey, value: encode(added) });
    changes.push({ index, removed: oldKey && before ? projectForIndex(tableShape, index, before) : undefined, added });
  }
  return { ops, changes };
}
