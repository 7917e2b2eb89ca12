/** A host's round in the two steps a RoundScheduler runs. */
export interface ScheduledRound {
  /** Takes the readies of the groups this node leads and sends their early messages (appends). */
  lead(): void;
  /** Takes every other ready, and writes, sends and applies them all; settles when the round is done. */
  run(): Promise<void>;
}

/**
 * Passes run back to back, without a turn of the event loop between them, after the first of a
 * check phase: one, for the commit that the first pass's acknowledgements made (see below).
 * Bounded, so that a pass that keeps finding work cannot starve the sockets.
 */
export const FOLLOW_UP_PASSES = 1;

/**
 * Starts the rounds of the Raft hosts of one process together, in one callback of the event
 * loop's check phase, instead of one callback each. Every host first takes its leaders' readies
 * and sends their appends; with a network that delivers at once, the followers of the other
 * hosts then hold those entries when each host takes the rest of its readies. So all the hosts'
 * synced writes, leaders' and followers' copies of the same entries, are queued before any
 * microtask runs, and a group commit that drains on a microtask (`GroupCommitOptions.drainOn`,
 * the embedded cluster's shared engine) writes them with one fsync, in the same turn.
 *
 * When that pass is done, the followers' acknowledgements have reached the leaders, whose
 * commit index moved: a follow-up pass applies those entries and answers their proposals at once,
 * instead of a whole turn of the event loop (every socket read and request parsed meanwhile) later.
 * Rounds scheduled while a pass is in flight wait for its end and run in the next pass.
 */
export class RoundScheduler {
  private readonly pending: ScheduledRound[] = [];
  private scheduled = false;
  private passing = false;

  /** Runs `round` in the next pass, with every other round scheduled before then. */
  schedule(round: ScheduledRound): void {
    this.pending.push(round);
    if (!this.passing) this.nextTurn();
  }

  private nextTurn(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.passes();
    });
  }

  private async passes(): Promise<void> {
    this.passing = true;
    try {
      for (let pass = 0; pass <= FOLLOW_UP_PASSES && this.pending.length > 0; pass++) await this.pass();
    } finally {
      this.passing = false;
    }
    // More work than the follow-up passes took: the next turn, after the sockets are read.
    if (this.pending.length > 0) this.nextTurn();
  }

  private async pass(): Promise<void> {
    const rounds: ScheduledRound[] = [];
    // A host with nothing to do until another's appends reached it is scheduled meanwhile: it joins.
    while (this.pending.length > 0) {
      const leading = this.pending.splice(0);
      for (const each of leading) each.lead();
      rounds.push(...leading);
    }
    // A round that fails leaves its host's durable state unknown; the host reports it (startRound).
    await Promise.allSettled(rounds.map((each) => each.run()));
  }
}
