/**
 * Raft's data, as plain objects so that a simulator can copy, drop, reorder and replay them.
 * Node ids are positive integers; 0 means "none".
 */
export type NodeId = number;
export const NONE: NodeId = 0;

export type EntryType = 'normal' | 'config';

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  /** Normal entries: the proposal (null for the no-op a new leader appends); config: the change. */
  data: Uint8Array | null;
  config?: ConfigChange;
}

/** Single-server membership changes; learners receive the log but do not vote. */
export type ConfigChange =
  | { kind: 'addLearner'; node: NodeId }
  | { kind: 'promote'; node: NodeId }
  | { kind: 'remove'; node: NodeId };

export interface Membership {
  voters: NodeId[];
  learners: NodeId[];
}

export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

export interface SnapshotMeta {
  index: number;
  term: number;
  membership: Membership;
}

export interface Snapshot {
  meta: SnapshotMeta;
  /** Empty when the state machine keeps its state in durable storage and provides data only on demand. */
  data: Uint8Array;
}

/** The data of a snapshot that is only a compaction point (see `RaftNode.compact`). */
export const NO_SNAPSHOT_DATA = new Uint8Array(0);

export type MessageType =
  | 'preVote'
  | 'preVoteResponse'
  | 'vote'
  | 'voteResponse'
  | 'append'
  | 'appendResponse'
  | 'heartbeat'
  | 'heartbeatResponse'
  | 'snapshot'
  | 'timeoutNow';

export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  /** append: term and index of the entry before `entries`; votes: the candidate's last entry. */
  logTerm?: number;
  index?: number;
  entries?: Entry[];
  commit?: number;
  reject?: boolean;
  /** appendResponse rejections: the follower's last index, to probe from. */
  rejectHint?: number;
  /** heartbeats: the ReadIndex round they confirm. */
  context?: number;
  /**
   * heartbeats: the leader's tick when it sent them; heartbeat responses echo it. A lease counts
   * from when the leader sent what a follower acknowledged, never from when a (possibly delayed or
   * duplicated) acknowledgement arrived.
   */
  tick?: number;
  snapshot?: Snapshot;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

export interface ReadState {
  /** The commit index a linearizable read must wait to apply. */
  index: number;
  requestId: number;
}

export interface Ready {
  /** Changed hard state to persist (with `entries`) before sending `messages`. */
  hardState?: HardState;
  /**
   * Whether `hardState` must be synced: its term or vote changed, or its commit index passed a
   * configuration entry. Otherwise only the commit index moved, which a crash may lose (it is
   * learned again from the leader). A membership must never go back across a restart: a node
   * that had applied two changes and came back before them could form a quorum of a
   * configuration two changes old, which shares no majority with the current one.
   */
  mustSync: boolean;
  /** New log entries to persist (they may replace a persisted suffix from `entries[0].index` on). */
  entries: Entry[];
  /** A snapshot to install (persist, then restore the state machine from it). */
  snapshot?: Snapshot;
  /** Entries now committed, to apply in order. */
  committedEntries: Entry[];
  /**
   * Messages to send once `hardState`, `entries` and `snapshot` are persisted. The first
   * `earlyMessageCount` of them may go before (see `earlyMessages`); a driver that sends them
   * all after the write is correct, only slower.
   */
  messages: Message[];
  /**
   * How many of `messages`, from the start, may be sent before persisting: a leader's appends
   * and heartbeats, whose term is already on disk. The leader counts its own entries toward a
   * quorum only once `advance` reports them persisted, so its disk write and its followers'
   * can overlap (Raft thesis §10.2.1).
   */
  earlyMessageCount: number;
  readStates: ReadState[];
  leader: NodeId;
  role: Role;
}

/** The messages of `ready` that may be sent before its write. */
export function earlyMessages(ready: Ready): Message[] {
  return ready.earlyMessageCount === 0 ? [] : ready.messages.slice(0, ready.earlyMessageCount);
}

/** The messages of `ready` that must wait for its write, after the early ones were sent. */
export function lateMessages(ready: Ready): Message[] {
  return ready.earlyMessageCount === 0 ? ready.messages : ready.messages.slice(ready.earlyMessageCount);
}

/**
 * The driver's persisted log, read back synchronously (etcd's Storage, in part): what lets a
 * node keep only its recent entries in memory. Asked only for entries the driver has persisted
 * and not compacted (after the snapshot, up to what `advance` acknowledged).
 */
export interface StableEntries {
  entry(index: number): Entry;
}
