import type { PartitionStore, TableHandle, TableResolver } from '@shoal/partition';

/** What a partition's new leader needs to know before it serves: the tables, and how to find one. */
export interface ClusterTables {
  /** Every table, for recounting statistics. */
  tables(): TableHandle[] | Promise<TableHandle[]>;
  /** A table's current definition by number, for global index maintenance. */
  resolveTable: TableResolver;
}

/** The preparation of each new leader's store: statistics recounted, index maintenance started. */
export function leaderSetup(tables: ClusterTables): (store: PartitionStore) => Promise<void> {
  return async (store) => {
    for (const table of await tables.tables()) {
      await store.loadStatistics(table.tableNumber);
      for (const index of table.indexes ?? []) await store.loadIndexStatistics(table.tableNumber, index.indexNumber);
      await store.loadItemCollections(table);
    }
    await store.startIndexMaintenance((tableNumber) => tables.resolveTable(tableNumber));
  };
}
