import { assert, ShoalError } from '@shoal/base';
import type { StorageEngine, WriteOp } from './engine.js';

/**
 * Group commit: concurrent writers share fsyncs. While one synced batch is being written, new
 * requests queue; when it completes, everything queued goes out as the next single synced
 * batch. Each caller resolves only once the sync that covers its operations has completed, so
 * an acknowledged write is durable, and a busy server pays one fsync per round, not per write.
 */

/** Operations in one synced batch (a single larger request still goes out, alone). */
export const GROUP_COMMIT_OPS_MAX = 4096;
/**
 * Operations waiting behind the in-flight sync. Past this the disk is not keeping up, and
 * queueing more only adds latency and memory: refuse, so callers shed load instead.
 */
export const GROUP_COMMIT_QUEUE_OPS_MAX = 65_536;

export interface GroupCommitOptions {
  /** Operations in one synced batch; default GROUP_COMMIT_OPS_MAX. */
  batchOpsMax?: number;
  /** Operations that may wait for a sync; default GROUP_COMMIT_QUEUE_OPS_MAX. */
  queueOpsMax?: number;
  /**
   * When a batch goes out: on the next turn of the event loop (the default, so that requests
   * parsed in the same poll phase share it), or on a microtask, for writers that all queue
   * within one callback (the Raft hosts of a process, started together by a RoundScheduler).
   */
  drainOn?: 'nextTurn' | 'microtask';
}

/** The queue is full: the write was not attempted (a definite failure, safe to retry later). */
export class GroupCommitQueueFull extends ShoalError {
  constructor(queuedOps: number, requestOps: number, queueOpsMax: number) {
    super('GroupCommitQueueFull', `group commit queue full: ${queuedOps} operations queued, ${requestOps} more requested, limit ${queueOpsMax}`, 'server');
  }
}

interface Waiter {
  ops: readonly WriteOp[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommitWriter {
  private readonly queue: Waiter[] = [];
  private queuedOps = 0;
  private writing = false;
  private readonly batchOpsMax: number;
  private readonly queueOpsMax: number;
  private readonly scheduleDrain: (drain: () => void) => void;
  /** Counters for metrics: synced batches written and operations they carried. */
  readonly stats = { syncs: 0, ops: 0, refused: 0 };

  constructor(
    private readonly engine: StorageEngine,
    options: GroupCommitOptions = {},
  ) {
    this.batchOpsMax = options.batchOpsMax ?? GROUP_COMMIT_OPS_MAX;
    this.queueOpsMax = options.queueOpsMax ?? GROUP_COMMIT_QUEUE_OPS_MAX;
    this.scheduleDrain = options.drainOn === 'microtask' ? (drain) => queueMicrotask(drain) : (drain) => setImmediate(drain);
    assert(Number.isInteger(this.batchOpsMax) && this.batchOpsMax > 0, `batchOpsMax must be a positive integer: ${this.batchOpsMax}`);
    assert(Number.isInteger(this.queueOpsMax) && this.queueOpsMax > 0, `queueOpsMax must be a positive integer: ${this.queueOpsMax}`);
  }

  /** Operations waiting for a sync (not counting the one in flight). */
  get pendingOps(): number {
    return this.queuedOps;
  }

  /** Resolves once nothing is queued or being written (before the engine is closed). */
  async idle(): Promise<void> {
    while (this.writing) await new Promise((resolve) => setImmediate(resolve));
  }

  /** Whether a request of `opsCount` operations would be accepted now (checked before applying it). */
  accepts(opsCount: number): boolean {
    return this.queue.length === 0 || this.queuedOps + opsCount <= this.queueOpsMax;
  }

  /**
   * Resolves once a synced write containing `ops` (atomically, in order) has completed; rejects
   * with that write's error, or with GroupCommitQueueFull without attempting it. A request is
   * accepted into an empty queue whatever its size, so no request is refused forever.
   */
  write(ops: readonly WriteOp[]): Promise<void> {
    if (this.queue.length > 0 && this.queuedOps + ops.length > this.queueOpsMax) {
      this.stats.refused++;
      return Promise.reject(new GroupCommitQueueFull(this.queuedOps, ops.length, this.queueOpsMax));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, resolve, reject });
      this.queuedOps += ops.length;
      if (!this.writing) {
        this.writing = true;
        this.scheduleDrain(() => void this.drain());
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
      const group = this.takeGroup();
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

  /** Whole requests from the head of the queue up to the batch bound (always at least one). */
  private takeGroup(): Waiter[] {
    let taken = 0;
    let takenOps = 0;
    while (taken < this.queue.length) {
      const size = this.queue[taken]!.ops.length;
      if (taken > 0 && takenOps + size > this.batchOpsMax) break;
      takenOps += size;
      taken++;
    }
    this.queuedOps -= takenOps;
    assert(this.queuedOps >= 0, 'group commit queue accounting went negative');
    return this.queue.splice(0, taken);
  }
}
