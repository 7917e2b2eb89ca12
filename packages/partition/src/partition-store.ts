import { itemSizeBytes, type Item } from '@shoal/model';
import type { KeyShape, TableStatistics } from '@shoal/metadata';
import { canReadSync, type KeyRange, type StorageEngine, type WriteOp } from '@shoal/storage';
import { applyWrite } from './apply.js';
import type { WriteCommand, WriteOutcome } from './commands.js';
import { itemStorageKey, tableKeyRange } from './item-key.js';

/** Something that makes write batches durable, e.g. a group-commit writer over an engine. */
export interface DurableWriter {
  write(ops: WriteOp[]): Promise<void>;
}

export interface TableHandle {
  tableNumber: number;
  shape: KeyShape;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Items deleted per batch when a table is dropped; bounds the size of one write. */
const DROP_BATCH_ITEMS_MAX = 1000;

export function encodeItem(item: Item): Uint8Array {
  return encoder.encode(JSON.stringify(item));
}

export function decodeItem(bytes: Uint8Array): Item {
  return JSON.parse(decoder.decode(bytes)) as Item;
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
export class PartitionStore {
  private readonly pending = new Map<string, PendingWrite>();
  private readonly prefetches = new Map<string, Promise<unknown>>();
  private readonly statistics = new Map<number, TableStatistics>();
  private failure: unknown;

  constructor(
    private readonly engine: StorageEngine,
    private readonly writer: DurableWriter,
  ) {}

  async getItem(table: TableHandle, key: Item): Promise<Item | undefined> {
    const bytes = await this.read(itemStorageKey(table.tableNumber, table.shape, key));
    return bytes ? decodeItem(bytes) : undefined;
  }

  /** Point reads skip the thread-pool round trip when the engine can answer synchronously. */
  private read(storageKey: Uint8Array): Uint8Array | undefined | Promise<Uint8Array | undefined> {
    return canReadSync(this.engine) ? this.engine.getSync(storageKey) : this.engine.get(storageKey);
  }

  execute(table: TableHandle, key: Item, command: WriteCommand): Promise<WriteOutcome> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const storageKey = itemStorageKey(table.tableNumber, table.shape, key);
    const name = Buffer.from(storageKey.buffer, storageKey.byteOffset, storageKey.length).toString('latin1');
    if (canReadSync(this.engine)) {
      const pending = this.pending.get(name);
      const current = pending ? pending.item : decodeOptional(this.engine.getSync(storageKey));
      return this.apply(table.tableNumber, storageKey, name, command, current);
    }
    // An engine without synchronous reads: serialise prefetch-and-apply per item.
    const previous = this.prefetches.get(name) ?? Promise.resolve();
    const step = previous.then(async () => {
      const pending = this.pending.get(name);
      const current = pending ? pending.item : decodeOptional(await this.engine.get(storageKey));
      return { result: this.apply(table.tableNumber, storageKey, name, command, current) };
    });
    const settled = step.catch(() => undefined);
    this.prefetches.set(name, settled);
    void settled.then(() => {
      if (this.prefetches.get(name) === settled) this.prefetches.delete(name);
    });
    return step.then((applied) => applied.result);
  }

  private apply(tableNumber: number, storageKey: Uint8Array, name: string, command: WriteCommand, current: Item | undefined): Promise<WriteOutcome> {
    const outcome = applyWrite(command, current);
    let op: WriteOp | undefined;
    if (outcome.status === 'applied') {
      if (outcome.after) op = { type: 'put', key: storageKey, value: encodeItem(outcome.after) };
      else if (current) op = { type: 'del', key: storageKey };
    }
    if (!op) {
      const pending = this.pending.get(name);
      return pending ? pending.durable.then(() => outcome) : Promise.resolve(outcome);
    }
    const after = outcome.status === 'applied' ? outcome.after : undefined;
    this.account(tableNumber, current, after);
    const durable = this.writer.write([op]);
    const entry: PendingWrite = { item: after, durable };
    this.pending.set(name, entry);
    const forget = () => {
      if (this.pending.get(name) === entry) this.pending.delete(name);
    };
    durable.then(forget, (error: unknown) => {
      // The applied state is ahead of storage now; accepting more writes would build on it.
      this.failure = error;
      forget();
    });
    return durable.then(() => outcome);
  }

  /** Durable items at several storage keys, in the order asked. */
  async getMany(storageKeys: Uint8Array[]): Promise<(Item | undefined)[]> {
    const values = await this.engine.getMany(storageKeys);
    return values.map(decodeOptional);
  }

  /** Durable items in key order within a range, with their storage keys. */
  async *scan(range: KeyRange): AsyncIterable<[Uint8Array, Item]> {
    for await (const [key, value] of this.engine.iterate(range)) yield [key, decodeItem(value)];
  }

  statisticsOf(tableNumber: number): TableStatistics {
    return this.statistics.get(tableNumber) ?? { itemCount: 0, sizeBytes: 0 };
  }

  /** Recounts a table's items and bytes from storage (at startup). */
  async loadStatistics(tableNumber: number): Promise<void> {
    const stats: TableStatistics = { itemCount: 0, sizeBytes: 0 };
    for await (const [, value] of this.engine.iterate(tableKeyRange(tableNumber))) {
      stats.itemCount++;
      stats.sizeBytes += itemSizeBytes(decodeItem(value));
    }
    this.statistics.set(tableNumber, stats);
  }

  /** Deletes every item of a table, in bounded batches. */
  async dropTable(tableNumber: number): Promise<void> {
    for (;;) {
      const ops: WriteOp[] = [];
      for await (const [key] of this.engine.iterate({ ...tableKeyRange(tableNumber), limit: DROP_BATCH_ITEMS_MAX })) {
        ops.push({ type: 'del', key });
      }
      if (ops.length === 0) break;
      await this.writer.write(ops);
    }
    this.statistics.delete(tableNumber);
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
