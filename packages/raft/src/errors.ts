import { ShoalError } from '@shoal/base';

export type RaftErrorCode =
  /** The node is not the leader; `leaderHint` names the leader if known (NONE otherwise). */
  | 'RaftNotLeader'
  /** The leader refused the proposal (transfer in progress, conf change pending, bad change). */
  | 'RaftProposalDropped'
  /** The requested log index precedes the storage's first index (it was compacted away). */
  | 'RaftCompacted'
  /** The requested log index is beyond what storage holds. */
  | 'RaftUnavailable'
  /** A snapshot older than the one storage already holds. */
  | 'RaftSnapshotOutOfDate';

/**
 * Operating conditions of the Raft core. Programmer errors (broken invariants) are assertions
 * instead. A dropped proposal definitely did not enter the log, so the fault is `server`.
 */
export class RaftError extends ShoalError {
  constructor(
    override readonly code: RaftErrorCode,
    message: string,
    readonly leaderHint = 0,
  ) {
    super(code, message, code === 'RaftCompacted' || code === 'RaftUnavailable' ? 'server' : 'server');
  }
}
