import type { StorageEngine, WriteOp } from './engine.js';

/**
 * Group commit: concurrent writers share fsyncs. While one synced batch is being written, new
 * requests queue; when it completes, everything queued goes out as the next single synced
 * batch. Each caller resolves only once the sync that covers its operations has completed, so
 * an acknowledged write is durable, and a busy server pays one fsync per round, not per write.
 */
export const GROUP_COMMIT_OPS_MAX = 4096;

interface Waiter {
  ops: readonly WriteOp[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommitWriter {
  private queue: Waiter[] = [];
  private queuedOps = 0;
  private writing = false;
  /** Counters for metrics: synced batches written and operations they carried. */
  readonly stats = { syncs: 0, ops: 0 };

  constructor(
    private readonly engine: StorageEngine,
    private readonly batchOpsMax = GROUP_COMMIT_OPS_MAX,
  ) {}

  write(ops: readonly WriteOp[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, resolve, reject });
      this.queuedOps += ops.length;
      if (!this.writing) {
        this.writing = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /**
   * Each round starts from a setImmediate, after the event loop has polled its sockets: requests
   * that arrived during the previous sync (which may block the loop, as RocksDB's synchronous
   * batch write does) are parsed and queued first, and so share the next sync.
   */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      // Take whole requests up to the batch bound (always at least one, however large).
      let taken = 0;
      let takenOps = 0;
      while (taken < this.queue.length && (taken === 0 || takenOps + this.queue[taken]!.ops.length <= this.batchOpsMax)) {
        takenOps += this.queue[taken]!.ops.length;
        taken++;
      }
      const group = this.queue.splice(0, taken);
      this.queuedOps -= takenOps;
      const ops = group.length === 1 ? group[0]!.ops : group.flatMap((waiter) => waiter.ops);
      try {
        await this.engine.write(ops, { sync: true });
        this.stats.syncs++;
        this.stats.ops += ops.length;
        for (const waiter of group) waiter.resolve();
      } catch (error) {
        for (const waiter of group) waiter.reject(error);
      }
      if (this.queue.length > 0) await new Promise((resolve) => setImmediate(resolve));
    }
    this.writing = false;
  }
}
