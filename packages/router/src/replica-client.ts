import type { Item } from '@shoal/model';
import type { TableStatistics } from '@shoal/metadata';
import { itemStorageKey, StoredItem, type StoredEntry, type IndexHandle, type PartitionStore, type TableHandle, type WriteCommand, type WriteOutcome } from '@shoal/partition';
import { itemKeyToken, type PartitionLeadership, type TokenRange } from '@shoal/partition-replica';
import type { Bytes, KeyRange, WriteOp } from '@shoal/storage';

/**
 * One replica of one group, as the router reaches it: in this process (`LocalReplica`) or on
 * another node over gRPC. Every call is served only while the replica leads its group and
 * otherwise fails with NotLeaderError (naming the leader it knows); reads are consistent (after
 * a ReadIndex).
 */
export interface ReplicaClient {
  execute(table: TableHandle, key: Item, command: WriteCommand): Promise<WriteOutcome>;
  getItem(table: TableHandle, key: Item, mode: ReadMode): Promise<StoredItem | undefined>;
  getMany(storageKeys: Uint8Array[], mode: ReadMode): Promise<(StoredItem | undefined)[]>;
  /**
   * `owned`: the tokens the router believes this partition owns; a replica that no longer serves
   * them all refuses (StaleRangeError), and one in the middle of a split returns only theirs.
   */
  openScan(range: KeyRange, mode: ReadMode, owned?: TokenRange): Promise<AsyncIterable<StoredEntry>>;
  reindex(table: TableHandle, key: Item, index: IndexHandle): Promise<void>;
  dropIndex(tableNumber: number, indexNumber: number): Promise<void>;
  dropTable(tableNumber: number): Promise<void>;
  /** A table's statistics in this partition, or an index's with `indexNumber`. */
  statistics(tableNumber: number, indexNumber?: number): Promise<TableStatistics>;
  /** Opens the leader's store (starting its index maintenance) if it is not open yet. */
  open(): Promise<void>;
  indexesSettled(): Promise<void>;
  /** Raw keyspace access, for the metadata group. */
  keyspaceGetMany(keys: readonly Bytes[]): Promise<(Bytes | undefined)[]>;
  openKeyspaceScan(range: KeyRange): Promise<AsyncIterable<[Bytes, Bytes]>>;
  proposeWrites(ops: WriteOp[]): Promise<void>;
  /** Proposes `ops` only if `key` holds `expected` (undefined: absent); resolves whether it did. */
  proposeWritesIf(key: Bytes, expected: Bytes | undefined, ops: WriteOp[]): Promise<boolean>;
}

/**
 * How a read is served: `consistent` by the leader past every committed write (its lease, or a
 * ReadIndex round); `leader` from the leader's applied state; `any` from this replica's applied
 * state whatever its role (ConsistentRead = false from the nearest replica: possibly stale,
 * never invented).
 */
export type ReadMode = 'consistent' | 'leader' | 'any';

/** Where the router finds a group's replica on a node. */
export interface ReplicaDirectory {
  replica(node: number, group: number): ReplicaClient | undefined;
}

/**
 * A replica in this process. Every item request is checked against the replica's range after
 * its store is in hand: a split applied since refuses it (StaleRangeError), and a read that a
 * split overtook is refused rather than answered from a range the replica no longer serves.
 */
export class LocalReplica implements ReplicaClient {
  constructor(readonly leadership: PartitionLeadership) {}

  async execute(table: TableHandle, key: Item, command: WriteCommand): Promise<WriteOutcome> {
    const store = await this.leadership.leaderStore();
    // The store's writer is fenced if the range changes from here on, so the check holds until it proposes.
    this.leadership.checkToken(itemKeyToken(itemStorageKey(table.tableNumber, table.shape, key)), true);
    return store.execute(table, key, command);
  }

  private store(mode: 'consistent' | 'leader') {
    return mode === 'consistent' ? this.leadership.consistentStore() : this.leadership.leaderStore();
  }

  /** Runs a read of items at `storageKeys` unless the replica's range does not cover them, before or after. */
  private async checkedRead<T>(storageKeys: readonly Uint8Array[], mode: ReadMode, read: (store: PartitionStore | undefined) => T | Promise<T>): Promise<T> {
    const store = mode === 'any' ? undefined : await this.store(mode);
    const generation = this.leadership.machine.rangeGeneration;
    for (const key of storageKeys) this.leadership.checkToken(itemKeyToken(key), false);
    const result = await read(store);
    this.leadership.checkGeneration(generation);
    return result;
  }

  async getItem(table: TableHandle, key: Item, mode: ReadMode): Promise<StoredItem | undefined> {
    const storageKey = itemStorageKey(table.tableNumber, table.shape, key);
    return this.checkedRead([storageKey], mode, async (store) => {
      if (store) return store.getItem(table, key);
      const bytes = await this.leadership.keyspace.get(storageKey);
      return bytes ? StoredItem.fromBytes(bytes) : undefined;
    });
  }

  async getMany(storageKeys: Uint8Array[], mode: ReadMode): Promise<(StoredItem | undefined)[]> {
    return this.checkedRead(storageKeys, mode, async (store) => {
      if (store) return store.getMany(storageKeys);
      return (await this.leadership.keyspace.getMany(storageKeys)).map((bytes) => (bytes ? StoredItem.fromBytes(bytes) : undefined));
    });
  }

  async openScan(range: KeyRange, mode: ReadMode, owned?: TokenRange): Promise<AsyncIterable<StoredEntry>> {
    if (mode !== 'any') await this.store(mode);
    const leadership = this.leadership;
    const view = leadership.scanView(owned);
    // A limit counts what the caller reads, so it cannot apply below a view that leaves entries out.
    const entries = leadership.keyspace.iterate(view.keep ? withoutLimit(range) : range);
    return (async function* () {
      // The engine's iterator reads one snapshot, taken at the first step: check the range has not changed by then.
      let first = true;
      for await (const [key, value] of entries) {
        if (first) leadership.checkGeneration(view.generation);
        first = false;
        if (!view.keep || view.keep(key, value)) yield [key, StoredItem.fromBytes(value)] as StoredEntry;
      }
    })();
  }

  async reindex(table: TableHandle, key: Item, index: IndexHandle): Promise<void> {
    const store = await this.leadership.leaderStore();
    this.leadership.checkToken(itemKeyToken(itemStorageKey(table.tableNumber, table.shape, key)), true);
    return store.reindex(table, key, index);
  }

  async dropIndex(tableNumber: number, indexNumber: number): Promise<void> {
    return (await this.leadership.leaderStore()).dropIndex(tableNumber, indexNumber);
  }

  async dropTable(tableNumber: number): Promise<void> {
    return (await this.leadership.leaderStore()).dropTable(tableNumber);
  }

  async statistics(tableNumber: number, indexNumber?: number): Promise<TableStatistics> {
    const store = await this.leadership.leaderStore();
    return indexNumber === undefined ? store.statisticsOf(tableNumber) : store.indexStatisticsOf(tableNumber, indexNumber);
  }

  async open(): Promise<void> {
    await this.leadership.leaderStore();
  }

  async indexesSettled(): Promise<void> {
    return (await this.leadership.leaderStore()).indexesSettled();
  }

  async keyspaceGetMany(keys: readonly Bytes[]): Promise<(Bytes | undefined)[]> {
    return (await this.leadership.consistentKeyspace()).getMany(keys);
  }

  async openKeyspaceScan(range: KeyRange): Promise<AsyncIterable<[Bytes, Bytes]>> {
    return (await this.leadership.consistentKeyspace()).iterate(range);
  }

  proposeWrites(ops: WriteOp[]): Promise<void> {
    return this.leadership.proposeWrites(ops);
  }

  proposeWritesIf(key: Bytes, expected: Bytes | undefined, ops: WriteOp[]): Promise<boolean> {
    return this.leadership.proposeWritesIf(key, expected, ops);
  }
}

function withoutLimit(range: KeyRange): KeyRange {
  const { limit: _limit, ...rest } = range;
  return rest;
}
