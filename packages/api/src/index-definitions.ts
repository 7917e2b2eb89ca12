import { DynamoError, GLOBAL_INDEXES_PER_TABLE_MAX, invalidParameter, LOCAL_INDEXES_PER_TABLE_MAX } from '@shoal/model';
import { indexShapeOf, projectedAttributes, type KeySchemaElement, type Projection, type SecondaryIndexDefinition, type TableDefinition } from '@shoal/metadata';
import type { IndexHandle } from '@shoal/partition';

/** An index as requested in CreateTable or UpdateTable. */
export interface IndexRequest {
  IndexName: string;
  KeySchema: KeySchemaElement[];
  Projection: Projection;
  ProvisionedThroughput?: { ReadCapacityUnits: number; WriteCapacityUnits: number };
}

/** DynamoDB's checks of one index definition against the table's attribute definitions. */
export function checkIndexRequest(index: IndexRequest, definitions: string[], kind: 'local' | 'global', tableKeySchema: KeySchemaElement[], payPerRequest: boolean): void {
  const keys = index.KeySchema.map((key) => key.AttributeName);
  if (keys.some((key) => !definitions.includes(key))) {
    throw invalidParameter(`Some index key attributes are not defined in AttributeDefinitions. Keys: [${keys.join(', ')}], AttributeDefinitions: [${definitions.join(', ')}]`);
  }
  if (keys[1] !== undefined && keys[0] === keys[1]) {
    throw DynamoError.validation('Both the Hash Key and the Range Key element in the KeySchema have the same name');
  }
  if (index.KeySchema[0]?.KeyType !== 'HASH') throw DynamoError.validation('Invalid KeySchema: The first KeySchemaElement is not a HASH key type');
  if (index.KeySchema[1] && index.KeySchema[1].KeyType !== 'RANGE') {
    throw DynamoError.validation('Invalid KeySchema: The second KeySchemaElement is not a RANGE key type');
  }
  if (kind === 'local') {
    if (index.KeySchema.length !== 2) throw invalidParameter(`Index KeySchema does not have a range key for index: ${index.IndexName}`);
    const tableHash = tableKeySchema[0]?.AttributeName;
    if (keys[0] !== tableHash) {
      throw invalidParameter(`Index KeySchema does not have the same leading hash key as table KeySchema for index: ${index.IndexName}. index hash key: ${keys[0]}, table hash key: ${tableHash}`);
    }
  }
  const projectionType = index.Projection.ProjectionType;
  if (projectionType == null) throw invalidParameter('Unknown ProjectionType: null');
  if (index.Projection.NonKeyAttributes && projectionType !== 'INCLUDE') {
    throw invalidParameter(`ProjectionType is ${projectionType}, but NonKeyAttributes is specified`);
  }
  if (kind === 'global' && payPerRequest && index.ProvisionedThroughput) {
    throw invalidParameter(`ProvisionedThroughput should not be specified for index: ${index.IndexName} when BillingMode is PAY_PER_REQUEST`);
  }
}

/** Checks a CreateTable's index lists and returns their definitions, numbered from 1. */
export function indexDefinitions(
  locals: IndexRequest[] | undefined,
  globals: IndexRequest[] | undefined,
  definitions: string[],
  tableKeySchema: KeySchemaElement[],
  payPerRequest: boolean,
): SecondaryIndexDefinition[] {
  const names = new Set<string>();
  const result: SecondaryIndexDefinition[] = [];
  for (const [kind, list] of [['local', locals], ['global', globals]] as const) {
    if (!list) continue;
    if (list.length === 0) throw invalidParameter(`List of ${kind === 'local' ? 'LocalSecondaryIndexes' : 'GlobalSecondaryIndexes'} is empty`);
    if (kind === 'local' && tableKeySchema.length !== 2) {
      throw invalidParameter('Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex');
    }
    for (const index of list) {
      checkIndexRequest(index, definitions, kind, tableKeySchema, payPerRequest);
      if (names.has(index.IndexName)) throw invalidParameter(`Duplicate index name: ${index.IndexName}`);
      names.add(index.IndexName);
      result.push(newIndexDefinition(index, kind, result.length + 1, 'ACTIVE'));
    }
    if (kind === 'local' && list.length > LOCAL_INDEXES_PER_TABLE_MAX) {
      throw invalidParameter(`Number of LocalSecondaryIndexes exceeds per-table limit of ${LOCAL_INDEXES_PER_TABLE_MAX}`);
    }
    if (kind === 'global' && list.length > GLOBAL_INDEXES_PER_TABLE_MAX) {
      throw invalidParameter(`GlobalSecondaryIndex count exceeds the per-table limit of ${GLOBAL_INDEXES_PER_TABLE_MAX}`);
    }
  }
  return result;
}

export function newIndexDefinition(index: IndexRequest, kind: 'local' | 'global', indexNumber: number, status: 'ACTIVE' | 'CREATING'): SecondaryIndexDefinition {
  return {
    kind,
    indexNumber,
    IndexName: index.IndexName,
    KeySchema: index.KeySchema,
    Projection: index.Projection,
    ...(kind === 'global'
      ? {
          IndexStatus: status,
          ...(status === 'CREATING' ? { Backfilling: true } : {}),
          ReadCapacityUnits: index.ProvisionedThroughput?.ReadCapacityUnits ?? 0,
          WriteCapacityUnits: index.ProvisionedThroughput?.WriteCapacityUnits ?? 0,
        }
      : {}),
  };
}

/** Handles for the indexes writes must maintain: all but those being deleted. */
export function indexHandles(table: TableDefinition): IndexHandle[] {
  return (table.indexes ?? [])
    .filter((index) => index.IndexStatus !== 'DELETING')
    .map((index) => ({
      indexNumber: index.indexNumber,
      name: index.IndexName,
      kind: index.kind,
      shape: indexShapeOf(table, index),
      projected: projectedAttributes(index),
    }));
}
