import type { RaftNode, Snapshot } from '@shoal/raft';
import type { WriteOp } from '@shoal/storage';
import type { StateMachine } from './host.js';
import type { GroupLog } from './log-store.js';

/** The largest snapshot a host sends (in one message: the gRPC transport takes up to 64 MiB). */
export const SNAPSHOT_BYTES_MAX = 48 * 1024 * 1024;

/** Counted over all of a host's groups (see `RaftHost.stats`). */
export interface SnapshotStats {
  compactions: number;
  snapshotsTaken: number;
  snapshotsInstalled: number;
  snapshotFailures: number;
}

/**
 * One group's log compaction and snapshots (docs/decisions/0012). A machine held in memory is
 * copied into the snapshot at each compaction. A machine whose state is in the engine
 * (`snapshotFits`) is not: compaction records only the point, once a background check says a
 * snapshot would fit one message, and a snapshot is read only when a peer needs one.
 */
export class GroupSnapshots {
  /** The applied index at the last compaction (or its check). */
  private last: number;
  /** The compaction point a size check approved, written with the next round (0: none). */
  private compactTo = 0;
  /** A size check or a snapshot for a peer is under way. */
  private busy = false;
  /** After a failed snapshot, the host tick from which to try again. */
  private retryTick = 0;

  constructor(
    private readonly id: number,
    private readonly node: RaftNode,
    private readonly log: GroupLog,
    private readonly machine: StateMachine,
    applied: number,
    private readonly stats: SnapshotStats,
    private readonly retryTicks: number,
  ) {
    this.last = applied;
  }

  /** Whether the machine makes snapshots on demand (its state is in the engine). */
  private get onDemand(): boolean {
    return this.machine.snapshotFits !== undefined;
  }

  /**
   * A snapshot from the leader was installed at `index`, its state queued for the machine's
   * writes in `ops`: a machine that keeps its state in the engine now holds it, so neither the
   * core's memory nor the snapshot record (rewritten in the same batch) keeps the data.
   */
  installed(index: number, ops: WriteOp[]): void {
    this.stats.snapshotsInstalled++;
    this.last = index;
    if (!this.onDemand) return;
    this.node.releaseSnapshotData();
    this.log.compact(this.node.snapshot() as Snapshot, ops);
  }

  /** After a round applied up to `applied`: compacts the log when it is due (its writes go in `ops`). */
  afterRound(applied: number, every: number, ops: WriteOp[]): void {
    if (this.compactTo > 0) {
      this.compact(this.compactTo, undefined, ops);
      this.compactTo = 0;
    }
    if (applied - this.last < every) return;
    if (!this.onDemand) {
      const data = this.machine.snapshot();
      if (!(data instanceof Uint8Array)) throw new Error(`raft group ${this.id}: a machine without snapshotFits must snapshot synchronously`);
      this.compact(applied, data, ops);
      this.last = applied;
      return;
    }
    if (this.busy) return;
    // Checked off the round; the compaction itself goes into a later round's writes.
    this.last = applied;
    this.busy = true;
    Promise.resolve()
      .then(() => this.machine.snapshotFits!(SNAPSHOT_BYTES_MAX))
      .then(
        (fits) => {
          this.busy = false;
          if (fits) this.compactTo = applied;
        },
        (error: unknown) => this.failed(error),
      );
  }

  /**
   * Between rounds (the engine holds exactly the applied state): when a peer needs a snapshot,
   * the machine's view is taken now and read off the round; `provided` runs once it is handed over.
   */
  serve(applied: number, tick: number, provided: () => void): void {
    if (this.busy || !this.node.wantsSnapshot() || tick < this.retryTick) return;
    let taken: Promise<Uint8Array>;
    try {
      taken = Promise.resolve(this.machine.snapshot()); // the machine's view is taken in this call
    } catch (error) {
      this.failed(error, tick);
      return;
    }
    this.busy = true;
    taken.then(
      (data) => {
        this.busy = false;
        this.node.provideSnapshot(applied, data);
        this.stats.snapshotsTaken++;
        provided();
      },
      (error: unknown) => this.failed(error, tick),
    );
  }

  private compact(index: number, data: Uint8Array | undefined, ops: WriteOp[]): void {
    this.node.compact(index, data);
    const snapshot = this.node.snapshot();
    if (snapshot) this.log.compact(snapshot, ops);
    this.stats.compactions++;
  }

  /** A failed snapshot (too large, or a failed read of the engine): reported, and tried again later. */
  private failed(error: unknown, tick?: number): void {
    this.busy = false;
    if (tick !== undefined) this.retryTick = tick + this.retryTicks;
    this.stats.snapshotFailures++;
    console.error(`raft group ${this.id}: snapshot failed:`, error);
  }
}
