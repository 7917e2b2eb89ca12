import type { Item } from '@shoal/model';
import type { TableStatistics } from '@shoal/metadata';
import { itemStorageKey, type IndexHandle, type ItemStore, type PartitionStore, type TableHandle, type WriteCommand, type WriteOutcome } from '@shoal/partition';
import type { Partition } from '@shoal/placement';
import { compareBytes, type KeyRange } from '@shoal/storage';
import type { Router } from './router.js';

/** What a partition's new leader needs to know before it serves: the tables, and how to find one. */
export interface ClusterTables {
  /** Every table, for recounting statistics. */
  tables(): TableHandle[];
  /** Set once the API starts index maintenance. */
  resolveTable?: (tableNumber: number) => TableHandle | undefined;
}

/** The preparation of each new leader's store: statistics recounted, index maintenance started. */
export function leaderSetup(tables: ClusterTables): (store: PartitionStore) => Promise<void> {
  return async (store) => {
    for (const table of tables.tables()) {
      await store.loadStatistics(table.tableNumber);
      for (const index of table.indexes ?? []) await store.loadIndexStatistics(table.tableNumber, index.indexNumber);
      await store.loadItemCollections(table);
    }
    if (tables.resolveTable) await store.startIndexMaintenance(tables.resolveTable);
  };
}

/**
 * The API's item storage over a cluster: each request goes to the partition store of the leader
 * of the partition owning its key; ranges are read partition by partition in token order, or,
 * for index entries (kept beside their table items, so a global index's entries are spread over
 * every partition), merged from all partitions in key order.
 */
export class ClusterStore implements ItemStore {
  constructor(
    private readonly router: Router,
    private readonly tables: ClusterTables,
  ) {}

  private onLeader<T>(partition: Partition, action: (store: PartitionStore) => Promise<T>, consistent = false): Promise<T> {
    return this.router.withLeader(partition.id, partition.replicas, async (replica) => action(await (consistent ? replica.consistentStore() : replica.leaderStore())));
  }

  execute(table: TableHandle, key: Item, command: WriteCommand): Promise<WriteOutcome> {
    const partition = this.router.partitionOfItem(itemStorageKey(table.tableNumber, table.shape, key));
    return this.onLeader(partition, (store) => store.execute(table, key, command));
  }

  getItem(table: TableHandle, key: Item): Promise<Item | undefined> {
    const partition = this.router.partitionOfItem(itemStorageKey(table.tableNumber, table.shape, key));
    return this.onLeader(partition, (store) => store.getItem(table, key), true);
  }

  async getMany(storageKeys: Uint8Array[]): Promise<(Item | undefined)[]> {
    const byPartition = new Map<Partition, number[]>();
    storageKeys.forEach((key, i) => {
      const partition = this.router.partitionOfItem(key);
      let positions = byPartition.get(partition);
      if (!positions) byPartition.set(partition, (positions = []));
      positions.push(i);
    });
    const items: (Item | undefined)[] = new Array(storageKeys.length).fill(undefined);
    await Promise.all(
      [...byPartition].map(async ([partition, positions]) => {
        const found = await this.onLeader(partition, (store) => store.getMany(positions.map((i) => storageKeys[i] as Uint8Array)), true);
        positions.forEach((position, i) => (items[position] = found[i]));
      }),
    );
    return items;
  }

  async *scan(range: KeyRange): AsyncIterable<[Uint8Array, Item]> {
    const partitions = this.router.partitionsFor(range);
    const stores = await Promise.all(partitions.map((partition) => this.onLeader(partition, async (store) => store, true)));
    if (stores.length === 1) {
      yield* (stores[0] as PartitionStore).scan(range);
      return;
    }
    yield* mergeByKey(
      stores.map((store) => store.scan(range)),
      range.reverse === true,
    );
  }

  reindex(table: TableHandle, key: Item, index: IndexHandle): Promise<void> {
    const partition = this.router.partitionOfItem(itemStorageKey(table.tableNumber, table.shape, key));
    return this.onLeader(partition, (store) => store.reindex(table, key, index));
  }

  async dropIndex(tableNumber: number, indexNumber: number): Promise<void> {
    await Promise.all(this.router.map.partitions.map((partition) => this.onLeader(partition, (store) => store.dropIndex(tableNumber, indexNumber))));
  }

  async dropTable(tableNumber: number): Promise<void> {
    await Promise.all(this.router.map.partitions.map((partition) => this.onLeader(partition, (store) => store.dropTable(tableNumber))));
  }

  statisticsOf(tableNumber: number): TableStatistics {
    return sum(this.router.readyLeaders().map((leader) => leader.readyStore()?.statisticsOf(tableNumber)));
  }

  indexStatisticsOf(tableNumber: number, indexNumber: number): TableStatistics {
    return sum(this.router.readyLeaders().map((leader) => leader.readyStore()?.indexStatisticsOf(tableNumber, indexNumber)));
  }

  async startIndexMaintenance(resolveTable: (tableNumber: number) => TableHandle | undefined): Promise<void> {
    this.tables.resolveTable = resolveTable;
    // Stores opened from now on start it in their setup; start it on every partition now.
    await Promise.all(this.router.map.partitions.map((partition) => this.onLeader(partition, (store) => store.startIndexMaintenance(resolveTable))));
  }

  async indexesSettled(): Promise<void> {
    await Promise.all(this.router.readyLeaders().map((leader) => leader.readyStore()?.indexesSettled()));
  }
}

function sum(all: (TableStatistics | undefined)[]): TableStatistics {
  const total: TableStatistics = { itemCount: 0, sizeBytes: 0 };
  for (const stats of all) {
    if (!stats) continue;
    total.itemCount += stats.itemCount;
    total.sizeBytes += stats.sizeBytes;
  }
  return total;
}

/** Merges key-ordered streams into one (descending with `reverse`). */
export async function* mergeByKey(sources: AsyncIterable<[Uint8Array, Item]>[], reverse: boolean): AsyncIterable<[Uint8Array, Item]> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  const heads = await Promise.all(iterators.map((iterator) => iterator.next()));
  try {
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i] as IteratorResult<[Uint8Array, Item]>;
        if (head.done) continue;
        if (best < 0) {
          best = i;
          continue;
        }
        const order = compareBytes(head.value[0], (heads[best] as IteratorYieldResult<[Uint8Array, Item]>).value[0]);
        if (reverse ? order > 0 : order < 0) best = i;
      }
      if (best < 0) return;
      yield (heads[best] as IteratorYieldResult<[Uint8Array, Item]>).value;
      heads[best] = await (iterators[best] as AsyncIterator<[Uint8Array, Item]>).next();
    }
  } finally {
    await Promise.all(iterators.map((iterator, i) => (heads[i]?.done ? undefined : iterator.return?.())));
  }
}
