import { assert } from '@shoal/base';
import type { KeyValue } from '@shoal/codec';
import { itemSizeBytes, type Item } from '@shoal/model';
import type { KeyShape, TableStatistics } from '@shoal/metadata';
import { canIterateText, canReadSync, GroupCommitQueueFull, type KeyRange, type StorageEngine, type WriteOp } from '@shoal/storage';
import { applyWrite } from './apply.js';
import type { WriteCommand, WriteOutcome } from './commands.js';
import { itemCollectionPrefix, itemStorageKey, prefixEnd, tableKeyRange } from './item-key.js';
import { indexEntryKey, indexKeyRange, indexWrites, projectForIndex, type IndexHandle } from './index-entries.js';
import { CHANGE_LOG_RANGE, changeRecordOp, decodeChangeRecord } from './change-log.js';
import { GlobalIndexMaintainer, type TableResolver } from './global-index-maintainer.js';
import { decodeItem, encodeItem, StoredItem } from './stored-item.js';

/** Something that makes write batches durable, e.g. a group-commit writer over an engine. */
export interface DurableWriter {
  write(ops: WriteOp[]): Promise<void>;
  /** Whether `opsCount` more operations would be accepted now; absent: always. */
  accepts?(opsCount: number): boolean;
}

/**
 * Operations a single item write may need (the item and one entry removal and one insertion per
 * index), reserved in the writer's queue before the write is applied.
 */
const WRITE_OPS_RESERVED_PER_INDEX = 2;

/**
 * What the API's operations need of item storage: one partition store (embedded), or the
 * cluster's router over many (each partition's store on its leader).
 */
export interface ItemStore {
  execute(table: TableHandle, key: Item, command: WriteCommand): Promise<WriteOutcome>;
  /**
   * Reads are strongly consistent by default; `consistent` false lets a replicated store skip the
   * read barrier (ConsistentRead = false: the result may miss the latest writes, never invent any).
   */
  getItem(table: TableHandle, key: Item, consistent?: boolean): Promise<StoredItem | undefined>;
  /** Items at several storage keys, in the order asked. */
  getMany(storageKeys: Uint8Array[], consistent?: boolean): Promise<(StoredItem | undefined)[]>;
  /** Items (or index entries) in key order within a range, with their storage keys; decoded on demand. */
  scan(range: KeyRange, consistent?: boolean): AsyncIterable<[Uint8Array, StoredItem]>;
  /** The same items without their storage keys, which a store may then skip reading. */
  scanItems(range: KeyRange, consistent?: boolean): AsyncIterable<StoredItem>;
  reindex(table: TableHandle, key: Item, index: IndexHandle): Promise<void>;
  dropIndex(tableNumber: number, indexNumber: number): Promise<void>;
  dropTable(tableNumber: number): Promise<void>;
  /** Approximate, as DynamoDB's ItemCount and TableSizeBytes are. */
  statisticsOf(tableNumber: number): TableStatistics | Promise<TableStatistics>;
  indexStatisticsOf(tableNumber: number, indexNumber: number): TableStatistics | Promise<TableStatistics>;
  startIndexMaintenance(resolveTable: TableResolver): Promise<void>;
  indexesSettled(): Promise<void>;
  /** Resolves once every partition can serve requests (has a leader); absent: always. */
  serving?(): Promise<void>;
}

export interface TableHandle {
  tableNumber: number;
  shape: KeyShape;
  /** Secondary indexes maintained in the same batch as the item. */
  indexes?: readonly IndexHandle[];
}

const THROTTLED: WriteOutcome = {
  status: 'rejected',
  rejection: {
    type: 'ProvisionedThroughputExceededException',
    message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  },
};

/** DynamoDB's limit on an item collection of a table with local secondary indexes: 10 GB. */
export const ITEM_COLLECTION_BYTES_MAX = 10 * 1024 * 1024 * 1024;

/** Items deleted per batch when a table is dropped; bounds the size of one write. */
const DROP_BATCH_ITEMS_MAX = 1000;
/** How long background work (index maintenance, backfill, drops) waits when the write queue is full. */
const BACKGROUND_BACKOFF_MS = 5;

const NO_INDEXES: readonly IndexHandle[] = [];

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writes a batch of background work: a full write queue means "later", not failure, because
 * client writes have priority (they are refused with a throttling error instead).
 */
export async function writeWhenAccepted(writer: DurableWriter, ops: WriteOp[]): Promise<void> {
  for (;;) {
    await roomFor(writer, ops.length);
    try {
      return await writer.write(ops);
    } catch (error) {
      if (!(error instanceof GroupCommitQueueFull)) throw error;
      await pause(BACKGROUND_BACKOFF_MS);
    }
  }
}

/** Waits until the writer would accept `opsCount` more operations. */
async function roomFor(writer: DurableWriter, opsCount: number): Promise<void> {
  while (writer.accepts && !writer.accepts(opsCount)) await pause(BACKGROUND_BACKOFF_MS);
}

/** A storage key as a string, for maps keyed by item (one byte per character). */
export function storageKeyName(storageKey: Uint8Array): string {
  return Buffer.from(storageKey.buffer, storageKey.byteOffset, storageKey.byteLength).toString('latin1');
}

function collectionId(tableNumber: number, partitionValue: Item[string] | undefined): string {
  return `${tableNumber}:${JSON.stringify(partitionValue)}`;
}

/** The size change of an item's collection: the item's and its local index entries'. */
function collectionDelta(
  before: Item | undefined,
  after: Item | undefined,
  changes: readonly { index: IndexHandle; removed: Item | undefined; added: Item | undefined }[],
): number {
  let delta = (after ? itemSizeBytes(after) : 0) - (before ? itemSizeBytes(before) : 0);
  for (const change of changes) {
    if (change.index.kind !== 'local') continue;
    delta += (change.added ? itemSizeBytes(change.added) : 0) - (change.removed ? itemSizeBytes(change.removed) : 0);
  }
  return delta;
}

function decodeOptional(bytes: Uint8Array | undefined): Item | undefined {
  return bytes ? decodeItem(bytes) : undefined;
}

/** An applied write that is not yet durable, and the promise of its durability. */
interface PendingWrite {
  item: Item | undefined;
  durable: Promise<void>;
}

/**
 * The embedded (single-replica) driver of the partition state machine: validation has happened
 * in the gateway; here a command is prefetched (the current item is read), applied by the pure
 * `applyWrite`, and its batch handed to the durable writer; the outcome is returned once the
 * batch is synced.
 *
 * Writes are pipelined: a command applies on top of the latest *applied* state of its item (kept
 * in `pending` until durable), so commands on a hot item share syncs instead of waiting for each
 * other's. Reads (GetItem) see only durable state. An outcome that did not write (a failed
 * condition, an apply-time rejection) is returned only once the state it was decided on is
 * durable, so no answer ever depends on a write that a crash could still lose.
 *
 * With the Raft issue, this becomes: propose, and apply committed commands in log order through
 * the same `applyWrite`.
 */
export class PartitionStore implements ItemStore {
  private readonly pending = new Map<string, PendingWrite>();
  private readonly prefetches = new Map<string, Promise<unknown>>();
  private readonly statistics = new Map<number, TableStatistics>();
  private readonly indexStatistics = new Map<string, TableStatistics>();
  private failure: unknown;
  /** Sequence of the last change record written. */
  private changeSequence = 0;
  private readonly globalIndexes: GlobalIndexMaintainer;

  /**
   * Bytes of each item collection (items and their local index entries) of tables with local
   * indexes, for the collections written since this store was made: each is counted from
   * storage before its first write here (see `countCollection`).
   */
  private readonly collectionSizes = new Map<string, number>();
  /** Item collections being counted: their writes wait. */
  private readonly collectionCounts = new Map<string, Promise<void>>();
  /** Recounts of table statistics in progress (see `recount`), by table number. */
  private readonly recounts = new Map<number, Promise<void>>();

  constructor(
    private readonly engine: StorageEngine,
    private readonly writer: DurableWriter,
    /** DynamoDB's 10 GB item-collection limit for tables with local indexes; tests pass less. */
    private readonly itemCollectionBytesMax = ITEM_COLLECTION_BYTES_MAX,
  ) {
    this.globalIndexes = new GlobalIndexMaintainer(
      engine,
      writer,
      (tableNumber, indexNumber, removed, added) => this.accountIndex(tableNumber, indexNumber, removed, added),
      (error) => {
        this.failure ??= error;
      },
    );
  }

  /**
   * Starts global index maintenance: `resolveTable` gives a table's current key shape and indexes
   * by table number; change records a restart left unapplied are applied first.
   */
  async startIndexMaintenance(resolveTable: TableResolver): Promise<void> {
    for await (const [key, value] of this.engine.iterate(CHANGE_LOG_RANGE)) {
      this.changeSequence = Math.max(this.changeSequence, decodeChangeRecord(key, value).sequence);
    }
    this.globalIndexes.start(resolveTable);
  }

  /** Whether a failed write stopped this store (its applied state is ahead of storage). */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Resolves once global indexes reflect every write acknowledged before the call. */
  indexesSettled(): Promise<void> {
    return this.globalIndexes.idle();
  }

  async getItem(table: TableHandle, key: Item): Promise<StoredItem | undefined> {
    const bytes = await this.read(itemStorageKey(table.tableNumber, table.shape, key));
    return bytes ? StoredItem.fromBytes(bytes) : undefined;
  }

  /** Point reads skip the thread-pool round trip when the engine can answer synchronously. */
  private read(storageKey: Uint8Array): Uint8Array | undefined | Promise<Uint8Array | undefined> {
    return canReadSync(this.engine) ? this.engine.getSync(storageKey) : this.engine.get(storageKey);
  }

  execute(table: TableHandle, key: Item, command: WriteCommand): Promise<WriteOutcome> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    // The item's collection, on a table with local indexes (whose size limit needs its size).
    let collection: string | undefined;
    if (table.indexes?.some((index) => index.kind === 'local')) {
      const partitionValue = key[table.shape.partitionKey.name] as KeyValue;
      collection = collectionId(table.tableNumber, partitionValue);
      // Its first write here waits for a count.
      if (!this.collectionSizes.has(collection)) return this.countCollection(table, collection, partitionValue).then(() => this.execute(table, key, command));
    }
    const storageKey = itemStorageKey(table.tableNumber, table.shape, key);
    const name = storageKeyName(storageKey);
    if (canReadSync(this.engine)) {
      const pending = this.pending.get(name);
      const current = pending ? pending.item : decodeOptional(this.engine.getSync(storageKey));
      return this.apply(table, storageKey, name, command, current, collection);
    }
    // An engine without synchronous reads: serialise prefetch-and-apply per item.
    const previous = this.prefetches.get(name) ?? Promise.resolve();
    const step = previous.then(async () => {
      const pending = this.pending.get(name);
      const current = pending ? pending.item : decodeOptional(await this.engine.get(storageKey));
      return { result: this.apply(table, storageKey, name, command, current, collection) };
    });
    const settled = step.catch(() => undefined);
    this.prefetches.set(name, settled);
    void settled.then(() => {
      if (this.prefetches.get(name) === settled) this.prefetches.delete(name);
    });
    return step.then((applied) => applied.result);
  }

  private apply(
    table: TableHandle,
    storageKey: Uint8Array,
    name: string,
    command: WriteCommand,
    current: Item | undefined,
    /** The item's collection when the table has local indexes (see `execute`). */
    collection: string | undefined,
  ): Promise<WriteOutcome> {
    // Refuse before applying when the disk is not keeping up: a write refused after it was
    // applied would leave later writes to the item built on a state that is never stored.
    const reserved = 1 + WRITE_OPS_RESERVED_PER_INDEX * (table.indexes?.length ?? 0);
    if (this.writer.accepts && !this.writer.accepts(reserved)) return Promise.resolve(THROTTLED);
    const outcome = applyWrite(command, current);
    const indexes = table.indexes ?? NO_INDEXES;
    const locals = indexes.length === 0 ? NO_INDEXES : indexes.filter((index) => index.kind === 'local');
    const hasGlobals = locals.length < indexes.length;
    const ops: WriteOp[] = [];
    const after = outcome.status === 'applied' ? outcome.after : current;
    if (outcome.status === 'applied') {
      if (outcome.after) ops.push({ type: 'put', key: storageKey, value: encodeItem(outcome.after, outcome.afterSize) });
      else if (current) ops.push({ type: 'del', key: storageKey });
      // Global indexes are maintained asynchronously from the change log, as DynamoDB's are.
      if (ops.length > 0 && hasGlobals) ops.push(changeRecordOp(table.tableNumber, ++this.changeSequence, current, outcome.after));
      if (ops.length > 0 && collection !== undefined) {
        const { ops: indexOps, changes } = indexWrites(table.tableNumber, table.shape, locals, current, outcome.after, encodeItem);
        const size = this.collectionSizes.get(collection);
        assert(size !== undefined, `item collection ${collection} was written before it was counted`);
        const delta = collectionDelta(current, outcome.after, changes);
        if (delta > 0 && size + delta > this.itemCollectionBytesMax) {
          const rejected: WriteOutcome = {
            status: 'rejected',
            rejection: { type: 'ItemCollectionSizeLimitExceededException', message: 'Collection size exceeded.' },
          };
          const pending = this.pending.get(name);
          return pending ? pending.durable.then(() => rejected) : Promise.resolve(rejected);
        }
        this.collectionSizes.set(collection, size + delta);
        outcome.itemCollectionBytes = size + delta;
        ops.push(...indexOps);
        for (const change of changes) this.accountIndex(table.tableNumber, change.index.indexNumber, change.removed, change.added);
      }
    }
    if (ops.length === 0) {
      const pending = this.pending.get(name);
      return pending ? pending.durable.then(() => outcome) : Promise.resolve(outcome);
    }
    this.account(table.tableNumber, current, after);
    const durable = this.persist(name, after, ops);
    if (hasGlobals) void durable.then(() => this.globalIndexes.wake(), () => {});
    return durable.then(() => outcome);
  }

  /** Hands a batch to the durable writer, recording the item's applied state until it is durable. */
  private persist(name: string, item: Item | undefined, ops: WriteOp[]): Promise<void> {
    const durable = this.writer.write(ops);
    const entry: PendingWrite = { item, durable };
    this.pending.set(name, entry);
    const forget = () => {
      if (this.pending.get(name) === entry) this.pending.delete(name);
    };
    durable.then(forget, (error: unknown) => {
      // The applied state is ahead of storage now; accepting more writes would build on it.
      this.failure = error;
      forget();
    });
    return durable;
  }

  /**
   * Writes one index's entry for the item at `key` as it is now (a step of an index backfill),
   * ordered with the item's writes so that a concurrent update can never be overwritten by a
   * stale entry.
   */
  async reindex(table: TableHandle, key: Item, index: IndexHandle): Promise<void> {
    // A backfill step waits for room in the write queue: refused, it would fail the store.
    await roomFor(this.writer, 1);
    if (this.failure !== undefined) throw this.failure;
    const storageKey = itemStorageKey(table.tableNumber, table.shape, key);
    const name = storageKeyName(storageKey);
    const pending = this.pending.get(name);
    const current = pending ? pending.item : canReadSync(this.engine) ? decodeOptional(this.engine.getSync(storageKey)) : undefined;
    if (!current) return pending ? pending.durable : Promise.resolve();
    const entryKey = indexEntryKey(table.tableNumber, table.shape, index, current);
    if (!entryKey) return pending ? pending.durable : Promise.resolve();
    const entry = projectForIndex(table.shape, index, current);
    this.accountIndex(table.tableNumber, index.indexNumber, undefined, entry);
    return this.persist(name, current, [{ type: 'put', key: entryKey, value: encodeItem(entry) }]);
  }

  /** Removes every entry of an index (after it was deleted from the table), in bounded batches. */
  async dropIndex(tableNumber: number, indexNumber: number): Promise<void> {
    await this.deleteRange(indexKeyRange(tableNumber, indexNumber));
    this.indexStatistics.delete(`${tableNumber}:${indexNumber}`);
  }

  indexStatisticsOf(tableNumber: number, indexNumber: number): TableStatistics | Promise<TableStatistics> {
    return this.afterRecount(tableNumber, () => this.indexStatistics.get(`${tableNumber}:${indexNumber}`) ?? { itemCount: 0, sizeBytes: 0 });
  }

  /**
   * Recounts the items and index entries of `tables` from storage, in the background, so that a
   * new leader (or a restarted server) serves at once instead of after a scan of everything it
   * stores. Each count starts from zero in this call: the writes accounted from now on add to
   * it, and a scan whose view of storage is taken in this same call (an iteration takes its view
   * at its first step, which each `for await` below makes before its function first waits) adds
   * what was stored before. Statistics are answered once their table's recount is done. Writes
   * do not wait for it (item collections are counted one by one, as they are written). A failed
   * recount fails the store, as a failed write does.
   */
  recount(tables: readonly TableHandle[]): void {
    for (const table of tables) {
      const counts = [this.countItems(table.tableNumber), ...(table.indexes ?? []).map((index) => this.countIndexEntries(table.tableNumber, index.indexNumber))];
      const done = Promise.all(counts).then(() => undefined);
      this.recounts.set(table.tableNumber, done);
      done.then(
        () => {
          if (this.recounts.get(table.tableNumber) === done) this.recounts.delete(table.tableNumber);
        },
        (error: unknown) => {
          this.failure ??= error;
        },
      );
    }
  }

  private countItems(tableNumber: number): Promise<void> {
    const stats: TableStatistics = { itemCount: 0, sizeBytes: 0 };
    this.statistics.set(tableNumber, stats);
    return this.addEntries(tableKeyRange(tableNumber), stats);
  }

  private countIndexEntries(tableNumber: number, indexNumber: number): Promise<void> {
    const stats: TableStatistics = { itemCount: 0, sizeBytes: 0 };
    this.indexStatistics.set(`${tableNumber}:${indexNumber}`, stats);
    return this.addEntries(indexKeyRange(tableNumber, indexNumber), stats);
  }

  /** Adds the stored entries of `range` to `stats`; the iteration's view is taken within this call. */
  private async addEntries(range: KeyRange, stats: TableStatistics): Promise<void> {
    for await (const [, value] of this.engine.iterate(range)) {
      stats.itemCount++;
      stats.sizeBytes += StoredItem.fromBytes(value).size;
    }
  }

  /**
   * Counts one item collection from storage, once however many writes ask. No write to it has
   * been applied by this store before (one would have needed its size), and its writes wait for
   * the count, so storage holds all of it and nothing is added meanwhile. A failed count fails
   * the store, as a failed write does.
   */
  private countCollection(table: TableHandle, id: string, partitionValue: KeyValue): Promise<void> {
    let counting = this.collectionCounts.get(id);
    if (!counting) {
      counting = this.collectionBytes(table, partitionValue).then(
        (bytes) => {
          this.collectionSizes.set(id, bytes);
          this.collectionCounts.delete(id);
        },
        (error: unknown) => {
          this.failure ??= error;
          this.collectionCounts.delete(id);
          throw error;
        },
      );
      this.collectionCounts.set(id, counting);
    }
    return counting;
  }

  /** The stored bytes of one item collection: its items and their local index entries. */
  private async collectionBytes(table: TableHandle, partitionValue: KeyValue): Promise<number> {
    const prefix = itemCollectionPrefix(table.tableNumber, partitionValue);
    let bytes = 0;
    for await (const [, value] of this.engine.iterate({ gte: prefix, lt: prefixEnd(prefix) })) {
      const stored = StoredItem.fromBytes(value);
      bytes += stored.size;
      for (const index of table.indexes ?? []) {
        if (index.kind === 'local' && indexEntryKey(table.tableNumber, table.shape, index, stored.item)) bytes += itemSizeBytes(projectForIndex(table.shape, index, stored.item));
      }
    }
    return bytes;
  }

  private accountIndex(tableNumber: number, indexNumber: number, removed: Item | undefined, added: Item | undefined): void {
    const id = `${tableNumber}:${indexNumber}`;
    const stats = this.indexStatistics.get(id) ?? { itemCount: 0, sizeBytes: 0 };
    if (removed) {
      stats.itemCount--;
      stats.sizeBytes -= itemSizeBytes(removed);
    }
    if (added) {
      stats.itemCount++;
      stats.sizeBytes += itemSizeBytes(added);
    }
    this.indexStatistics.set(id, stats);
  }

  /** Durable items at several storage keys, in the order asked. */
  async getMany(storageKeys: Uint8Array[]): Promise<(StoredItem | undefined)[]> {
    const values = await this.engine.getMany(storageKeys);
    return values.map((bytes) => (bytes ? StoredItem.fromBytes(bytes) : undefined));
  }

  /** Durable items in key order within a range, with their storage keys. */
  async *scan(range: KeyRange): AsyncIterable<[Uint8Array, StoredItem]> {
    for await (const [key, value] of this.engine.iterate(range)) yield [key, StoredItem.fromBytes(value)];
  }

  async *scanItems(range: KeyRange): AsyncIterable<StoredItem> {
    if (!canIterateText(this.engine)) {
      for await (const [, stored] of this.scan(range)) yield stored;
      return;
    }
    for await (const text of this.engine.iterateText(range)) yield StoredItem.fromText(text);
  }

  statisticsOf(tableNumber: number): TableStatistics | Promise<TableStatistics> {
    return this.afterRecount(tableNumber, () => this.statistics.get(tableNumber) ?? { itemCount: 0, sizeBytes: 0 });
  }

  private afterRecount(tableNumber: number, statistics: () => TableStatistics): TableStatistics | Promise<TableStatistics> {
    const recount = this.recounts.get(tableNumber);
    return recount ? recount.then(statistics) : statistics();
  }

  /** Deletes every item of a table, in bounded batches. */
  async dropTable(tableNumber: number): Promise<void> {
    await this.deleteRange(tableKeyRange(tableNumber));
    this.statistics.delete(tableNumber);
  }

  private async deleteRange(range: { gte: Uint8Array; lt: Uint8Array }): Promise<void> {
    for (;;) {
      const ops: WriteOp[] = [];
      for await (const [key] of this.engine.iterate({ ...range, limit: DROP_BATCH_ITEMS_MAX })) {
        ops.push({ type: 'del', key });
      }
      if (ops.length === 0) return;
      await writeWhenAccepted(this.writer, ops);
    }
  }

  private account(tableNumber: number, before: Item | undefined, after: Item | undefined): void {
    const stats = this.statistics.get(tableNumber) ?? { itemCount: 0, sizeBytes: 0 };
    if (before) {
      stats.itemCount--;
      stats.sizeBytes -= itemSizeBytes(before);
    }
    if (after) {
      stats.itemCount++;
      stats.sizeBytes += itemSizeBytes(after);
    }
    this.statistics.set(tableNumber, stats);
  }
}
