/**
 * Starts the rounds of the Raft hosts of one process together, in one callback of the event
 * loop's check phase, instead of one callback each. Their synced writes are then all queued
 * before any microtask runs, so a group commit that drains on a microtask
 * (`GroupCommitOptions.drainOn`, the embedded cluster's shared engine) writes them with one
 * fsync in the same turn, where a drain from a later callback would cost the write a turn.
 */
export class RoundScheduler {
  private readonly pending: (() => void)[] = [];
  private scheduled = false;

  /** Runs `start` in the next check phase, with every other round scheduled before then. */
  schedule(start: () => void): void {
    this.pending.push(start);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      for (const run of this.pending.splice(0)) run();
    });
  }
}
