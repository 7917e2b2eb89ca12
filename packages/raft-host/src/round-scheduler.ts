/** A host's round in the two steps a RoundScheduler runs. */
export interface ScheduledRound {
  /** Takes the readies of the groups this node leads and sends their early messages (appends). */
  lead(): void;
  /** Takes every other ready, and writes, sends and applies them all (asynchronously). */
  run(): void;
}

/**
 * Starts the rounds of the Raft hosts of one process together, in one callback of the event
 * loop's check phase, instead of one callback each. Every host first takes its leaders' readies
 * and sends their appends; with a network that delivers at once, the followers of the other
 * hosts then hold those entries when each host takes the rest of its readies. So all the hosts'
 * synced writes, leaders' and followers' copies of the same entries, are queued before any
 * microtask runs, and a group commit that drains on a microtask (`GroupCommitOptions.drainOn`,
 * the embedded cluster's shared engine) writes them with one fsync, in the same turn.
 */
export class RoundScheduler {
  private readonly pending: ScheduledRound[] = [];
  private scheduled = false;

  /** Runs `round` in the next check phase, with every other round scheduled before then. */
  schedule(round: ScheduledRound): void {
    this.pending.push(round);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const rounds: ScheduledRound[] = [];
      // A host with nothing to do until another's appends reached it is scheduled meanwhile: it joins.
      while (this.pending.length > 0) {
        const leading = this.pending.splice(0);
        for (const each of leading) each.lead();
        rounds.push(...leading);
      }
      for (const each of rounds) each.run();
    });
  }
}
