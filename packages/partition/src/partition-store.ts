import { itemSizeBytes, type Item } from '@shoal/model';
import type { KeyShape, TableStatistics } from '@shoal/metadata';
import { canReadSync, type StorageEngine, type WriteOp } from '@shoal/storage';
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

/**
 * The embedded (single-replica) driver of the partition state machine: validate has happened in
 * the gateway; here a command is prefetched (the current item is read), applied synchronously by
 * `applyWrite`, and its batch made durable before the outcome is returned. Commands on the same
 * item are serialised so that each applies to the result of the one before; commands on
 * different items proceed concurrently and share syncs through the durable writer.
 *
 * With the Raft issue, `execute` becomes: propose the command, and apply committed commands in
 * log order through the same `applyWrite`.
 */
export class PartitionStore {
  private readonly itemLocks = new Map<string, Promise<unknown>>();
  private readonly statistics = new Map<number, TableStatistics>();

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
    const storageKey = itemStorageKey(table.tableNumber, table.shape, key);
    const lockName = Buffer.from(storageKey.buffer, storageKey.byteOffset, storageKey.length).toString('latin1');
    const previous = this.itemLocks.get(lockName);
    const run = () => this.applyAndPersist(table, storageKey, command);
    const result = previous ? previous.then(run, run) : run();
    const settled = result.catch(() => undefined);
    this.itemLocks.set(lockName, settled);
    void settled.then(() => {
      if (this.itemLocks.get(lockName) === settled) this.itemLocks.delete(lockName);
    });
    return result;
  }

  private async applyAndPersist(table: TableHandle, storageKey: Uint8Array, command: WriteCommand): Promise<WriteOutcome> {
    const currentBytes = await this.read(storageKey);
    const current = currentBytes ? decodeItem(currentBytes) : undefined;
    const outcome = applyWrite(command, current);
    if (outcome.status !== 'applied') return outcome;
    if (outcome.after) {
      await this.writer.write([{ type: 'put', key: storageKey, value: encodeItem(outcome.after) }]);
    } else if (current) {
      await this.writer.write([{ type: 'del', key: storageKey }]);
    }
    this.account(table.tableNumber, current, outcome.after);
    return outcome;
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
