/**
 * What a leader knows of one follower's log (etcd's Progress): `match` is the highest index known
 * replicated there, `next` the next index to send. In `probe` a leader sends one append at a time
 * until it finds where the logs agree; in `replicate` it pipelines appends optimistically, up to
 * `maxInflight` unacknowledged messages; in `snapshot` it waits for a snapshot to be installed.
 */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** In probe: an append is outstanding, do not send another until it is answered or a heartbeat passes. */
  probeSent = false;
  /** Last indexes of the appends in flight (replicate state), oldest first. */
  inflight: number[] = [];
  /** Heard from since the last check-quorum round. */
  recentActive = true;
  pendingSnapshot = 0;
  /** The leader's tick when the pending snapshot was sent (it may be lost: resend after a while). */
  snapshotSentTick = 0;

  constructor(next: number) {
    this.next = next;
  }

  /** Records an acknowledgement up to `index`; returns whether it moved anything. */
  maybeUpdate(index: number): boolean {
    const updated = index > this.match;
    if (updated) this.match = index;
    if (index + 1 > this.next) this.next = index + 1;
    this.probeSent = false;
    this.inflight = this.inflight.filter((last) => last > index);
    return updated;
  }

  /** A rejection of the append at `rejected`: step `next` back (probing) to just past the follower's last index. */
  maybeDecrease(rejected: number, followerLast: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false; // stale
      this.next = this.match + 1;
      this.becomeProbe();
      return true;
    }
    if (this.next - 1 !== rejected) return false; // stale
    this.next = Math.max(1, Math.min(rejected, followerLast + 1));
    this.probeSent = false;
    return true;
  }

  becomeProbe(): void {
    this.state = 'probe';
    this.inflight = [];
    this.probeSent = false;
    this.next = Math.max(this.next, this.match + 1);
    if (this.pendingSnapshot > 0) {
      this.next = Math.max(this.match, this.pendingSnapshot) + 1;
      this.pendingSnapshot = 0;
    }
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.inflight = [];
  }

  becomeSnapshot(index: number, tick: number): void {
    this.state = 'snapshot';
    this.pendingSnapshot = index;
    this.snapshotSentTick = tick;
    this.inflight = [];
  }

  isPaused(maxInflight: number): boolean {
    if (this.state === 'probe') return this.probeSent;
    if (this.state === 'snapshot') return true;
    return this.inflight.length >= maxInflight;
  }
}

/** The largest index replicated on a majority of `voters`, given each voter's match. */
export function quorumMatch(matches: number[]): number {
  const sorted = [...matches].sort((a, b) => b - a);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
