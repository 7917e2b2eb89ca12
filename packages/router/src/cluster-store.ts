import type { Item } from '@shoal/model';
import type { TableStatistics } from '@shoal/metadata';
import { itemStorageKey, type StoredEntry, type StoredItem, type IndexHandle, type ItemStore, type TableHandle, type WriteCommand, type WriteOutcome } from '@shoal/partition';
import type { Partition } from '@shoal/placement';
import { compareBytes, rangeAfter, type KeyRange } from '@shoal/storage';
import type { ReadMode, ReplicaClient } from './replica-client.js';
import { isStaleRange, type Router } from './router.js';

/** How long a scan keeps resuming across splits; a pause between resumptions lets the map settle. */
const SCAN_RESUME_DEADLINE_MS = 10_000;
const RESUME_PAUSE_MS = 5;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The API's item storage over a cluster: each request goes to the partition store of the leader
 * of the partition owning its key; ranges are read partition by partition in token order, or,
 * for index entries (kept beside their table items, so a global index's entries are spread over
 * every partition), merged from all partitions in key order.
 */
export class ClusterStore implements ItemStore {
  constructor(private readonly router: Router) {}

  private onLeader<T>(partition: Partition, action: (replica: ReplicaClient) => Promise<T>): Promise<T> {
    return this.router.withLeader(partition.id, undefined, action);
  }

  private onEveryLeader<T>(action: (replica: ReplicaClient) => Promise<T>): Promise<T[]> {
    return Promise.all(this.router.map.partitions.map((partition) => this.onLeader(partition, action)));
  }

  execute(table: TableHandle, key: Item, command: WriteCommand): Promise<WriteOutcome> {
    const storageKey = itemStorageKey(table.tableNumber, table.shape, key);
    return this.router.routed(() => {
      const partition = this.router.partitionOfItem(storageKey);
      this.router.noteWrite(partition.id);
      return this.onLeader(partition, (replica) => replica.execute(table, key, command));
    });
  }

  /** Consistent reads go to the leader; the others to the replica in the router's AZ, when it has one. */
  private onReader<T>(partition: Partition, consistent: boolean, action: (replica: ReplicaClient, mode: ReadMode) => Promise<T>): Promise<T> {
    if (consistent) return this.onLeader(partition, (replica) => action(replica, 'consistent'));
    return this.router.withNearest(partition.id, (replica) => action(replica, 'any'), (replica) => action(replica, 'leader'));
  }

  getItem(table: TableHandle, key: Item, consistent = true): Promise<StoredItem | undefined> {
    const storageKey = itemStorageKey(table.tableNumber, table.shape, key);
    return this.router.routed(() => this.onReader(this.router.partitionOfItem(storageKey), consistent, (replica, mode) => replica.getItem(table, key, mode)));
  }

  getMany(storageKeys: Uint8Array[], consistent = true): Promise<(StoredItem | undefined)[]> {
    return this.router.routed(() => this.getManyOnce(storageKeys, consistent));
  }

  private async getManyOnce(storageKeys: Uint8Array[], consistent: boolean): Promise<(StoredItem | undefined)[]> {
    const byPartition = new Map<Partition, number[]>();
    storageKeys.forEach((key, i) => {
      const partition = this.router.partitionOfItem(key);
      let positions = byPartition.get(partition);
      if (!positions) byPartition.set(partition, (positions = []));
      positions.push(i);
    });
    const items: (StoredItem | undefined)[] = new Array(storageKeys.length).fill(undefined);
    await Promise.all(
      [...byPartition].map(async ([partition, positions]) => {
        const keys = positions.map((i) => storageKeys[i] as Uint8Array);
        const found = await this.onReader(partition, consistent, (replica, mode) => replica.getMany(keys, mode));
        positions.forEach((position, i) => (items[position] = found[i]));
      }),
    );
    return items;
  }

  /**
   * A range read over the partitions of the current map. When a split overtakes it (a replica
   * answers that its range changed), it resumes after the last key it returned, on the newer map.
   */
  async *scan(range: KeyRange, consistent = true): AsyncIterable<StoredEntry> {
    let rest = range;
    const deadline = Date.now() + SCAN_RESUME_DEADLINE_MS;
    for (;;) {
      let last: Uint8Array | undefined;
      let read = 0;
      try {
        for await (const entry of this.scanOnce(rest, consistent)) {
          last = entry[0];
          read++;
          yield entry;
        }
        return;
      } catch (error) {
        if (!isStaleRange(error) || Date.now() >= deadline) throw error;
        await this.router.refreshMap();
        await pause(RESUME_PAUSE_MS);
        if (last) rest = rangeAfter(rest, last, read);
      }
    }
  }

  /** Keys are needed here anyway: a scan overtaken by a split resumes after its last key. */
  async *scanItems(range: KeyRange, consistent = true): AsyncIterable<StoredItem> {
    for await (const [, stored] of this.scan(range, consistent)) yield stored;
  }

  private async *scanOnce(range: KeyRange, consistent: boolean): AsyncIterable<StoredEntry> {
    const partitions = this.router.partitionsFor(range);
    const streams = await Promise.all(partitions.map((partition) => this.onReader(partition, consistent, (replica, mode) => replica.openScan(range, mode, partition))));
    if (streams.length === 1) yield* streams[0] as AsyncIterable<StoredEntry>;
    else yield* mergeByKey(streams, range.reverse === true);
  }

  reindex(table: TableHandle, key: Item, index: IndexHandle): Promise<void> {
    const storageKey = itemStorageKey(table.tableNumber, table.shape, key);
    return this.router.routed(() => this.onLeader(this.router.partitionOfItem(storageKey), (replica) => replica.reindex(table, key, index)));
  }

  async dropIndex(tableNumber: number, indexNumber: number): Promise<void> {
    await this.onEveryLeader((replica) => replica.dropIndex(tableNumber, indexNumber));
  }

  async dropTable(tableNumber: number): Promise<void> {
    await this.onEveryLeader((replica) => replica.dropTable(tableNumber));
  }

  async statisticsOf(tableNumber: number): Promise<TableStatistics> {
    return sum(await this.onEveryLeader((replica) => replica.statistics(tableNumber)));
  }

  async indexStatisticsOf(tableNumber: number, indexNumber: number): Promise<TableStatistics> {
    return sum(await this.onEveryLeader((replica) => replica.statistics(tableNumber, indexNumber)));
  }

  /**
   * Opens every partition's leader store, which starts its index maintenance. The storage nodes
   * resolve tables from their own view of the catalog (see `leaderSetup`), so the API's resolver
   * is not needed here.
   */
  startIndexMaintenance(): Promise<void> {
    return this.serving();
  }

  /** Every partition has a leader whose store is open. */
  async serving(): Promise<void> {
    await this.onEveryLeader((replica) => replica.open());
  }

  async indexesSettled(): Promise<void> {
    await this.onEveryLeader((replica) => replica.indexesSettled());
  }
}

function sum(all: TableStatistics[]): TableStatistics {
  const total: TableStatistics = { itemCount: 0, sizeBytes: 0 };
  for (const stats of all) {
    total.itemCount += stats.itemCount;
    total.sizeBytes += stats.sizeBytes;
  }
  return total;
}

/** Merges key-ordered streams into one (descending with `reverse`). */
export async function* mergeByKey<T>(sources: AsyncIterable<[Uint8Array, T]>[], reverse: boolean): AsyncIterable<[Uint8Array, T]> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  const heads = await Promise.all(iterators.map((iterator) => iterator.next()));
  try {
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i] as IteratorResult<[Uint8Array, T]>;
        if (head.done) continue;
        if (best < 0) {
          best = i;
          continue;
        }
        const order = compareBytes(head.value[0], (heads[best] as IteratorYieldResult<[Uint8Array, T]>).value[0]);
        if (reverse ? order > 0 : order < 0) best = i;
      }
      if (best < 0) return;
      yield (heads[best] as IteratorYieldResult<[Uint8Array, T]>).value;
      heads[best] = await (iterators[best] as AsyncIterator<[Uint8Array, T]>).next();
    }
  } finally {
    await Promise.all(iterators.map((iterator, i) => (heads[i]?.done ? undefined : iterator.return?.())));
  }
}
