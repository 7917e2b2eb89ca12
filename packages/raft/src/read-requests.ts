import type { NodeId, ReadState } from './types.js';

interface PendingRead {
  requestId: number;
  /** The commit index when the request arrived: the read point, once leadership is confirmed. */
  index: number;
  acks: Set<NodeId>;
}

/**
 * A leader's ReadIndex requests (Raft thesis §6.4). A request takes the commit index as its read
 * point, and becomes an answer (a ReadState) once a quorum has acknowledged a heartbeat sent
 * after it, which confirms that no other leader could have committed anything newer. Requests
 * that arrive before the leader has committed an entry of its own term wait for that commit:
 * until then its commit index may be behind what an earlier leader committed.
 */
export class ReadRequests {
  /** Answered requests, in order, until a ready() hands them out and advance() drops them. */
  readonly answered: ReadState[] = [];
  private pending: PendingRead[] = [];
  private deferred: number[] = [];

  /** Holds a request until the leader's first commit in its term (`takeDeferred`). */
  defer(requestId: number): void {
    this.deferred.push(requestId);
  }

  takeDeferred(): number[] {
    return this.deferred.splice(0);
  }

  /**
   * Starts a request at read point `committed`. Returns whether a heartbeat round (carrying
   * `requestId` as its context) must confirm it; a single voter answers at once.
   */
  start(requestId: number, committed: number, self: NodeId, voters: readonly NodeId[]): boolean {
    if (voters.length === 1) {
      this.answered.push({ index: committed, requestId });
      return false;
    }
    this.pending.push({ requestId, index: committed, acks: new Set([self]) });
    return true;
  }

  /** A voter acknowledged the heartbeat of `requestId`: with a quorum, it and every earlier request are answered. */
  acknowledge(requestId: number, from: NodeId, voters: readonly NodeId[]): void {
    const position = this.pending.findIndex((read) => read.requestId === requestId);
    if (position === -1) return;
    const read = this.pending[position] as PendingRead;
    if (voters.includes(from)) read.acks.add(from);
    if (read.acks.size * 2 <= voters.length) return;
    // A quorum confirmed leadership at this round: it and every earlier round are safe.
    for (const released of this.pending.splice(0, position + 1)) this.answered.push({ index: released.index, requestId: released.requestId });
  }

  /** The node's term or role changed: requests not yet answered are dropped (their callers retry). */
  dropUnanswered(): void {
    this.pending = [];
    this.deferred = [];
  }

  /** The driver has taken the first `count` answers. */
  release(count: number): void {
    this.answered.splice(0, count);
  }
}
