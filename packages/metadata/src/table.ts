import { describeIndexes, type SecondaryIndexDefinition } from './indexes.js';

/**
 * A table's definition as the catalog stores it. Member names follow DynamoDB's shapes so that
 * DescribeTable is mostly a projection; internal fields are lower camel case.
 */
export type ScalarAttributeType = 'S' | 'N' | 'B';
export type TableStatus = 'CREATING' | 'ACTIVE' | 'DELETING' | 'UPDATING';
export type BillingMode = 'PROVISIONED' | 'PAY_PER_REQUEST';

export interface AttributeDefinition {
  AttributeName: string;
  AttributeType: ScalarAttributeType;
}

export interface KeySchemaElement {
  AttributeName: string;
  KeyType: 'HASH' | 'RANGE';
}

export interface Tag {
  Key: string;
  Value: string;
}

export interface TableDefinition {
  /** Internal numeric id: the key prefix of the table's items. Never reused. */
  tableNumber: number;
  TableName: string;
  TableId: string;
  TableArn: string;
  TableStatus: TableStatus;
  AttributeDefinitions: AttributeDefinition[];
  KeySchema: KeySchemaElement[];
  /** Seconds since the epoch, as DynamoDB reports it. */
  CreationDateTime: number;
  BillingMode: BillingMode;
  /** Whether the request named a billing mode (DynamoDB then reports BillingModeSummary). */
  billingModeExplicit: boolean;
  LastUpdateToPayPerRequestDateTime?: number;
  ReadCapacityUnits: number;
  WriteCapacityUnits: number;
  LastIncreaseDateTime?: number;
  LastDecreaseDateTime?: number;
  NumberOfDecreasesToday: number;
  DeletionProtectionEnabled: boolean;
  TableClass?: string;
  Tags: Tag[];
  TimeToLive?: { AttributeName: string; Enabled: boolean };
  /** Secondary indexes, local and global (absent on tables stored before indexes existed). */
  indexes?: SecondaryIndexDefinition[];
  /** Next index number to allocate; index numbers are never reused within a table. */
  nextIndexNumber?: number;
}

/** The key attributes of a table with their types: what items and keys are checked against. */
export interface KeyShape {
  partitionKey: { name: string; type: ScalarAttributeType };
  sortKey?: { name: string; type: ScalarAttributeType };
}

export function keyShapeOf(table: Pick<TableDefinition, 'KeySchema' | 'AttributeDefinitions'>): KeyShape {
  const typeOf = (name: string): ScalarAttributeType => {
    const definition = table.AttributeDefinitions.find((d) => d.AttributeName === name);
    if (!definition) throw new Error(`key attribute ${name} has no definition`);
    return definition.AttributeType;
  };
  const hash = table.KeySchema.find((k) => k.KeyType === 'HASH');
  const range = table.KeySchema.find((k) => k.KeyType === 'RANGE');
  if (!hash) throw new Error('table has no HASH key');
  return {
    partitionKey: { name: hash.AttributeName, type: typeOf(hash.AttributeName) },
    ...(range ? { sortKey: { name: range.AttributeName, type: typeOf(range.AttributeName) } } : {}),
  };
}

export interface TableStatistics {
  itemCount: number;
  sizeBytes: number;
}

/** DynamoDB's TableDescription for DescribeTable, CreateTable, DeleteTable and UpdateTable. */
export function describeTable(
  table: TableDefinition,
  stats: TableStatistics,
  indexStatisticsOf: (index: SecondaryIndexDefinition) => TableStatistics = () => ({ itemCount: 0, sizeBytes: 0 }),
): Record<string, unknown> {
  const description: Record<string, unknown> = {
    AttributeDefinitions: table.AttributeDefinitions,
    TableName: table.TableName,
    KeySchema: table.KeySchema,
    TableStatus: table.TableStatus,
    CreationDateTime: table.CreationDateTime,
    ProvisionedThroughput: {
      ...(table.LastIncreaseDateTime !== undefined ? { LastIncreaseDateTime: table.LastIncreaseDateTime } : {}),
      ...(table.LastDecreaseDateTime !== undefined ? { LastDecreaseDateTime: table.LastDecreaseDateTime } : {}),
      NumberOfDecreasesToday: table.NumberOfDecreasesToday,
      ReadCapacityUnits: table.ReadCapacityUnits,
      WriteCapacityUnits: table.WriteCapacityUnits,
    },
    TableSizeBytes: stats.sizeBytes,
    ItemCount: stats.itemCount,
    TableArn: table.TableArn,
    TableId: table.TableId,
  };
  if (table.billingModeExplicit || table.BillingMode === 'PAY_PER_REQUEST') {
    description.BillingModeSummary = {
      BillingMode: table.BillingMode,
      ...(table.LastUpdateToPayPerRequestDateTime !== undefined
        ? { LastUpdateToPayPerRequestDateTime: table.LastUpdateToPayPerRequestDateTime }
        : {}),
    };
  }
  Object.assign(description, describeIndexes(table, indexStatisticsOf));
  if (table.TableClass) description.TableClassSummary = { TableClass: table.TableClass };
  description.DeletionProtectionEnabled = table.DeletionProtectionEnabled;
  return description;
}
