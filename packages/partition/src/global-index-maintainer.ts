import type { Item } from '@shoal/model';
import type { StorageEngine, WriteOp } from '@shoal/storage';
import { CHANGE_LOG_RANGE, decodeChangeRecord } from './change-log.js';
import { indexWrites, type IndexHandle } from './index-entries.js';
import { writeWhenAccepted, type DurableWriter, type TableHandle } from './partition-store.js';
import { encodeItem } from './stored-item.js';

/** Change records applied to the global indexes per durable batch. */
const CHANGES_PER_BATCH = 256;

/** How long the drain waits before looking again for a table this node does not know yet. */
const UNKNOWN_TABLE_RETRY_MS = 20;

/**
 * A resolver's answer for a table number newer than any definition it has seen: the table exists
 * (its writes are here) but this node's copy of the metadata has not caught up yet.
 */
export const TABLE_NOT_YET_KNOWN = Symbol('table not yet known');

/** A table's current handle by number: undefined once it is dropped. */
export type TableResolver = (tableNumber: number) => TableHandle | undefined | typeof TABLE_NOT_YET_KNOWN;

export type IndexAccounting = (tableNumber: number, indexNumber: number, removed: Item | undefined, added: Item | undefined) => void;

/**
 * Maintains global secondary indexes asynchronously, as DynamoDB does: item writes append
 * change records (old and new image) in their own atomic batch; this drains the durable log in
 * order, and for each record writes the index changes and deletes the record in one batch. A
 * crash between the two leaves the record to be applied again, which is idempotent (an entry is
 * put or deleted by key). Indexes of a table are read from its current definition, so an index
 * created after a write still gets it (its backfill covers it too) and a dropped one does not.
 */
export class GlobalIndexMaintainer {
  private running: Promise<void> | undefined;
  private again = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly engine: StorageEngine,
    private readonly writer: DurableWriter,
    private readonly account: IndexAccounting,
    private readonly onError: (error: unknown) => void,
  ) {}

  private resolveTable: TableResolver | undefined;

  /** Starts draining; `resolveTable` finds a table's current key shape and indexes by number. */
  start(resolveTable: TableResolver): void {
    this.resolveTable = resolveTable;
    this.wake();
  }

  /** Asks for a drain of the records durable so far (nothing happens before `start`). */
  wake(): void {
    if (!this.resolveTable) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        } else {
          for (const resolve of this.idleWaiters.splice(0)) resolve();
        }
      });
  }

  /** Resolves when every change record written before the call has been applied (for tests and shutdown). */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(): Promise<void> {
    for (;;) {
      const ops: WriteOp[] = [];
      const accounting: (() => void)[] = [];
      let blocked = false;
      for await (const [key, value] of this.engine.iterate({ ...CHANGE_LOG_RANGE, limit: CHANGES_PER_BATCH })) {
        const record = decodeChangeRecord(key, value);
        const table = this.resolveTable?.(record.tableNumber);
        if (table === TABLE_NOT_YET_KNOWN) {
          // Records of one table apply in order: stop here until the definition arrives.
          blocked = true;
          break;
        }
        const globals = table?.indexes?.filter((index: IndexHandle) => index.kind === 'global') ?? [];
        if (table && globals.length > 0) {
          const { ops: indexOps, changes } = indexWrites(table.tableNumber, table.shape, globals, record.before, record.after, encodeItem);
          ops.push(...indexOps);
          for (const change of changes) accounting.push(() => this.account(table.tableNumber, change.index.indexNumber, change.removed, change.added));
        }
        ops.push({ type: 'del', key });
      }
      if (ops.length > 0) {
        await writeWhenAccepted(this.writer, ops);
        for (const account of accounting) account();
      }
      if (blocked) {
        setTimeout(() => this.wake(), UNKNOWN_TABLE_RETRY_MS);
        return;
      }
      if (ops.length === 0) return;
    }
  }
}
