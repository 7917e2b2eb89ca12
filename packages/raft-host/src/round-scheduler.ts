/**
 * Starts the rounds of the Raft hosts of one process together, in one callback of the event
 * loop's check phase, instead of one callback each. Their synced writes are then all queued
 * before any microtask runs, so a group commit that drains on a microtask
 * (`GroupCommitOptions.drainOn`, the embedded cluster's shared engine) writes them with one
 * fsync in the same turn, where a drain from a later callback would cost the write a turn.
 */
export class RoundScheduler {
  private readonly pending: (() => void)[] = [];
  private passQueued = false;
  private eagerPassQueued = false;
  private eagerPassesLeft = 0;

  /**
   * Runs `start` in the next check phase, with every other round scheduled before then. With
   * `eager` (a host that just received messages), once per check-phase pass, the rounds pending
   * run in a microtask instead: followers then append what the leader's pass sent, in the same
   * turn of the event loop.
   */
  schedule(start: () => void, eager = false): void {
    this.pending.push(start);
    if (eager && this.eagerPassesLeft > 0 && !this.eagerPassQueued) {
      this.eagerPassesLeft--;
      this.eagerPassQueued = true;
      queueMicrotask(() => {
        this.eagerPassQueued = false;
        this.runPending();
      });
      return;
    }
    if (this.passQueued) return;
    this.passQueued = true;
    setImmediate(() => {
      this.passQueued = false;
      this.eagerPassesLeft = 1;
      this.runPending();
    });
  }

  private runPending(): void {
    for (const run of this.pending.splice(0)) run();
  }
}
