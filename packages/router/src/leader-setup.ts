import type { PartitionStore, TableHandle, TableResolver } from '@shoal/partition';
import type { PartitionKeyOf } from '@shoal/partition-replica';

/** What a partition's new leader needs to know before it serves: the tables, and how to find one. */
export interface ClusterTables {
  /** Every table, for recounting statistics. */
  tables(): TableHandle[] | Promise<TableHandle[]>;
  /** A table's current definition by number, for global index maintenance. */
  resolveTable: TableResolver;
}

/**
 * The preparation of each new leader's store: statistics recounted (in the background: the store
 * serves meanwhile), index maintenance started.
 */
export function leaderSetup(tables: ClusterTables): (store: PartitionStore) => Promise<void> {
  return async (store) => {
    store.recount(await tables.tables());
    await store.startIndexMaintenance((tableNumber) => tables.resolveTable(tableNumber));
  };
}

/** Table partition key names by table number, from the tables' current definitions. */
export function partitionKeyNames(tables: Pick<ClusterTables, 'resolveTable'>): PartitionKeyOf {
  return (tableNumber) => {
    const table = tables.resolveTable(tableNumber);
    return typeof table === 'object' ? table.shape.partitionKey.name : undefined;
  };
}
