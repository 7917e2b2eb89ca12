import { DynamoError, invalidParameter, type Item } from '@shoal/model';
import { indexShapeOf, type KeyShape, type SecondaryIndexDefinition, type TableDefinition } from '@shoal/metadata';
import { checkKey, indexEntryKey, itemStorageKey, type IndexHandle, type TableHandle } from '@shoal/partition';
import type { ProjectionPath } from '@shoal/expressions';
import type { ApiContext, Request } from './context.js';
import { indexHandles } from './index-definitions.js';
import { checkAttributeValues } from './item-requests.js';

/** What a Query or Scan with IndexName reads, after DynamoDB's checks of the request against the index. */
export interface IndexRead {
  definition: SecondaryIndexDefinition;
  handle: IndexHandle;
  shape: KeyShape;
  /** Whether each entry must be completed from the table (LSI with a partial projection). */
  fetchFromTable: boolean;
}

export function resolveIndexRead(table: TableDefinition, request: Request, projection: ProjectionPath[] | undefined): IndexRead {
  const definition = (table.indexes ?? []).find((index) => index.IndexName === request.IndexName && index.IndexStatus !== 'DELETING');
  if (!definition) throw DynamoError.validation(`The table does not have the specified index: ${request.IndexName}`);
  const global = definition.kind === 'global';
  if (global && request.ConsistentRead) throw DynamoError.validation('Consistent reads are not supported on global secondary indexes');
  if (global && definition.IndexStatus === 'CREATING') {
    throw DynamoError.validation(`Cannot read from backfilling global secondary index: ${definition.IndexName}`);
  }
  const partial = definition.Projection.ProjectionType !== 'ALL';
  const wantsAll = request.Select === 'ALL_ATTRIBUTES';
  if (global && partial && wantsAll) {
    throw invalidParameter(`Select type ALL_ATTRIBUTES is not supported for global secondary index ${definition.IndexName} because its projection type is not ALL`);
  }
  const handle = indexHandles(table).find((candidate) => candidate.indexNumber === definition.indexNumber) as IndexHandle;
  const shape = indexShapeOf(table, definition);
  // A local index answers for attributes outside its projection by reading the table item.
  const available = new Set([...(handle.projected ?? []), ...table.KeySchema.map((key) => key.AttributeName), shape.partitionKey.name, shape.sortKey?.name]);
  const wantsOthers = wantsAll || (projection ?? []).some((path) => !available.has(path[0] as string));
  return { definition, handle, shape, fetchFromTable: partial && !global && wantsOthers };
}

/** The storage key of an index ExclusiveStartKey, which names the table key and the index key. */
export function indexStartKeyBytes(tableHandle: TableHandle, read: IndexRead, startKey: Item): Uint8Array {
  checkAttributeValues(startKey);
  const names = new Set([
    tableHandle.shape.partitionKey.name,
    tableHandle.shape.sortKey?.name,
    read.shape.partitionKey.name,
    read.shape.sortKey?.name,
  ].filter((name): name is string => name !== undefined));
  if (Object.keys(startKey).length !== names.size || [...names].some((name) => !startKey[name])) {
    throw DynamoError.validation('The provided starting key is invalid');
  }
  const tableKey: Item = {};
  for (const name of [tableHandle.shape.partitionKey.name, tableHandle.shape.sortKey?.name]) if (name) tableKey[name] = startKey[name]!;
  const invalid = checkKey(tableHandle.shape, tableKey);
  if (invalid) throw DynamoError.validation(`The provided starting key is invalid: ${invalid.message}`);
  const key = indexEntryKey(tableHandle.tableNumber, tableHandle.shape, read.handle, startKey);
  if (!key) throw DynamoError.validation('The provided starting key is invalid');
  return key;
}

/** For LSI reads that need attributes outside the projection: the item from the table. */
export function tableFetcher(context: ApiContext, tableHandle: TableHandle): (entry: Item) => Promise<Item | undefined> {
  return async (entry) => {
    const key: Item = {};
    for (const name of [tableHandle.shape.partitionKey.name, tableHandle.shape.sortKey?.name]) if (name) key[name] = entry[name]!;
    const [stored] = await context.store.getMany([itemStorageKey(tableHandle.tableNumber, tableHandle.shape, key)]);
    return stored?.item;
  };
}
