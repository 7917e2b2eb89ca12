import type { KeySchemaElement, KeyShape, TableDefinition, TableStatistics } from './table.js';
import { keyShapeOf } from './table.js';

/**
 * Secondary index definitions. Local indexes share the table's partition key and are defined
 * with the table; global ones have their own keys, can be added and removed on a live table, and
 * go CREATING (backfilling) -> ACTIVE, and DELETING before they disappear.
 */
export type ProjectionType = 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
export type IndexStatus = 'CREATING' | 'ACTIVE' | 'DELETING' | 'UPDATING';

export interface Projection {
  ProjectionType: ProjectionType;
  NonKeyAttributes?: string[];
}

export interface SecondaryIndexDefinition {
  kind: 'local' | 'global';
  /** Internal number within the table: the key prefix of the index's entries. Never reused. */
  indexNumber: number;
  IndexName: string;
  KeySchema: KeySchemaElement[];
  Projection: Projection;
  /** Global indexes only. */
  IndexStatus?: IndexStatus;
  Backfilling?: boolean;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

export function indexShapeOf(table: Pick<TableDefinition, 'AttributeDefinitions'>, index: SecondaryIndexDefinition): KeyShape {
  return keyShapeOf({ AttributeDefinitions: table.AttributeDefinitions, KeySchema: index.KeySchema });
}

/** The attribute names an index entry carries beyond the table and index keys, or undefined for ALL. */
export function projectedAttributes(index: SecondaryIndexDefinition): string[] | undefined {
  if (index.Projection.ProjectionType === 'ALL') return undefined;
  if (index.Projection.ProjectionType === 'KEYS_ONLY') return [];
  return index.Projection.NonKeyAttributes ?? [];
}

export function describeIndexes(
  table: TableDefinition,
  statisticsOf: (index: SecondaryIndexDefinition) => TableStatistics,
): Record<string, unknown> {
  const described: Record<string, unknown> = {};
  const locals = (table.indexes ?? []).filter((index) => index.kind === 'local');
  const globals = (table.indexes ?? []).filter((index) => index.kind === 'global');
  const base = (index: SecondaryIndexDefinition) => {
    const stats = statisticsOf(index);
    return {
      IndexName: index.IndexName,
      KeySchema: index.KeySchema,
      Projection: index.Projection,
      IndexSizeBytes: stats.sizeBytes,
      ItemCount: stats.itemCount,
      IndexArn: `${table.TableArn}/index/${index.IndexName}`,
    };
  };
  if (locals.length > 0) described.LocalSecondaryIndexes = locals.map(base);
  if (globals.length > 0) {
    described.GlobalSecondaryIndexes = globals.map((index) => ({
      ...base(index),
      IndexStatus: index.IndexStatus ?? 'ACTIVE',
      ...(index.Backfilling !== undefined ? { Backfilling: index.Backfilling } : {}),
      ProvisionedThroughput: {
        NumberOfDecreasesToday: 0,
        ReadCapacityUnits: index.ReadCapacityUnits ?? 0,
        WriteCapacityUnits: index.WriteCapacityUnits ?? 0,
      },
    }));
  }
  return described;
}
