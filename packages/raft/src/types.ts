/**
 * Plain-data shapes that cross the Raft core's boundary. Every value here is a plain object
 * (no classes, no methods) so that a simulator can copy, log, reorder, drop or duplicate them.
 */

/** Raft's "no node" id: ids are positive integers, so 0 is never a member. */
export const NONE = 0;

export type EntryType = 'normal' | 'confChange';

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  /** Opaque to Raft for 'normal'; an encoded ConfChange (see confchange.ts) for 'confChange'. */
  data: Uint8Array;
}

/** What must be durable before any message of the same Ready leaves the node. */
export interface HardState {
  term: number;
  /** The candidate voted for in `term`; NONE if none. */
  vote: number;
  commit: number;
}

/** A membership: voters decide (elections, commit); learners only receive the log. */
export interface ConfState {
  voters: number[];
  learners: number[];
}

export interface SnapshotMetadata {
  index: number;
  term: number;
  /** The membership as of `index`. */
  confState: ConfState;
}

/** The application's state machine at `metadata.index`; `data` is opaque to Raft. */
export interface Snapshot {
  metadata: SnapshotMetadata;
  data: Uint8Array;
}

export type MessageType =
  | 'preVote'
  | 'preVoteResp'
  | 'vote'
  | 'voteResp'
  | 'app'
  | 'appResp'
  | 'heartbeat'
  | 'heartbeatResp'
  | 'snap'
  | 'readIndex'
  | 'readIndexResp'
  | 'timeoutNow'
  | 'transferLeader';

/**
 * One message between peers. Field meaning depends on `type` (as in etcd's raftpb.Message):
 * - app: `index`/`logTerm` are the entry preceding `entries`; `commit` is the leader's commit.
 * - appResp: `index` is the follower's last matching index (or the rejected index if `reject`),
 *   `rejectHint`/`logTerm` point the leader at a probable match.
 * - vote/preVote: `index`/`logTerm` are the candidate's last log position.
 * - heartbeat: `commit` is min(follower match, leader commit); `context` carries a ReadIndex id.
 * - readIndex (follower -> leader, term 0) / readIndexResp: `index` is the read index.
 * - transferLeader (forwarded to the leader, term 0): `from` is the transferee.
 */
export interface Message {
  type: MessageType;
  from: number;
  to: number;
  term: number;
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  reject: boolean;
  rejectHint: number;
  snapshot?: Snapshot;
  context?: Uint8Array;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** Volatile state the application may want to observe (who leads, what we are). */
export interface SoftState {
  leader: number;
  role: Role;
}

/** A linearizable read may be served once the state machine has applied `index`. */
export interface ReadState {
  index: number;
  requestCtx: Uint8Array;
}

/**
 * One batch of work for the driver, handled in this order:
 * 1. persist `snapshot` (if any), `entries` and `hardState` (fsync if `mustSync`);
 * 2. send `messages` (only after step 1: a vote or an ack must never outlive a crash);
 * 3. apply `snapshot` then `committedEntries` to the state machine; serve `readStates` once
 *    applied >= their index;
 * 4. call `advance(ready)`.
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  snapshot?: Snapshot;
  entries: Entry[];
  committedEntries: Entry[];
  messages: Message[];
  readStates: ReadState[];
  /** False when only the commit index moved: that may be written without an fsync. */
  mustSync: boolean;
}

/** A fully populated message with defaults; for the core and for tests. */
export function makeMessage(fields: Pick<Message, 'type' | 'from' | 'to'> & Partial<Message>): Message {
  return {
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    ...fields,
  };
}

export function isEmptyHardState(hs: HardState): boolean {
  return hs.term === 0 && hs.vote === NONE && hs.commit === 0;
}

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/** Bytes an entry counts against size limits: its payload plus a fixed header estimate. */
export const ENTRY_HEADER_BYTES = 24;
export function entrySizeBytes(entry: Entry): number {
  return entry.data.byteLength + ENTRY_HEADER_BYTES;
}
