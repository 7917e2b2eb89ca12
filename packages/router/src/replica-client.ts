import type { Item } from '@shoal/model';
import type { TableStatistics } from '@shoal/metadata';
import { decodeItem, itemStorageKey, type IndexHandle, type TableHandle, type WriteCommand, type WriteOutcome } from '@shoal/partition';
import type { PartitionLeadership } from '@shoal/partition-replica';
import type { Bytes, KeyRange, WriteOp } from '@shoal/storage';

/**
 * One replica of one group, as the router reaches it: in this process (`LocalReplica`) or on
 * another node over gRPC. Every call is served only while the replica leads its group and
 * otherwise fails with NotLeaderError (naming the leader it knows); reads are consistent (after
 * a ReadIndex).
 */
export interface ReplicaClient {
  execute(table: TableHandle, key: Item, command: WriteCommand): Promise<WriteOutcome>;
  getItem(table: TableHandle, key: Item, mode: ReadMode): Promise<Item | undefined>;
  getMany(storageKeys: Uint8Array[], mode: ReadMode): Promise<(Item | undefined)[]>;
  openScan(range: KeyRange, mode: ReadMode): Promise<AsyncIterable<[Uint8Array, Item]>>;
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

/** A replica in this process. */
export class LocalReplica implements ReplicaClient {
  constructor(readonly leadership: PartitionLeadership) {}

  async execute(table: TableHandle, key: Item, command: WriteCommand): Promise<WriteOutcome> {
    return (await this.leadership.leaderStore()).execute(table, key, command);
  }

  private store(mode: 'consistent' | 'leader') {
    return mode === 'consistent' ? this.leadership.consistentStore() : this.leadership.leaderStore();
  }

  async getItem(table: TableHandle, key: Item, mode: ReadMode): Promise<Item | undefined> {
    if (mode !== 'any') return (await this.store(mode)).getItem(table, key);
    const bytes = await this.leadership.keyspace.get(itemStorageKey(table.tableNumber, table.shape, key));
    return bytes ? decodeItem(bytes) : undefined;
  }

  async getMany(storageKeys: Uint8Array[], mode: ReadMode): Promise<(Item | undefined)[]> {
    if (mode !== 'any') return (await this.store(mode)).getMany(storageKeys);
    return (await this.leadership.keyspace.getMany(storageKeys)).map((bytes) => (bytes ? decodeItem(bytes) : undefined));
  }

  async openScan(range: KeyRange, mode: ReadMode): Promise<AsyncIterable<[Uint8Array, Item]>> {
    if (mode !== 'any') return (await this.store(mode)).scan(range);
    const entries = this.leadership.keyspace.iterate(range);
    return (async function* () {
      for await (const [key, value] of entries) yield [key, decodeItem(value)] as [Uint8Array, Item];
    })();
  }

  async reindex(table: TableHandle, key: Item, index: IndexHandle): Promise<void> {
    return (await this.leadership.leaderStore()).reindex(table, key, index);
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
}
