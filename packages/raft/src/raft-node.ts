import { assert, ShoalError, type Random } from '@shoal/base';
import { RaftLog } from './log.js';
import { applyChange, copyMembership } from './membership.js';
import { Progress, quorumMatch } from './progress.js';
import { ReadRequests } from './read-requests.js';
import {
  NONE,
  NO_SNAPSHOT_DATA,
  type ConfigChange,
  type Entry,
  type HardState,
  type Membership,
  type Message,
  type NodeId,
  type Ready,
  type Role,
  type Snapshot,
  type SnapshotMeta,
  type StableEntries,
} from './types.js';

/**
 * A pure Raft node in the style of etcd's raft: `tick`, `step`, `propose`, `readIndex`, then
 * `ready()` gives what to persist, send and apply, and `advance()` acknowledges it. No clocks,
 * sockets or disks inside; randomness comes from the injected `Random`.
 *
 * Implemented: leader election with pre-vote and check-quorum (followers that heard from a leader
 * within an election timeout refuse votes); pipelined, batched replication with per-follower
 * probe/replicate/snapshot states; commitment of current-term entries only (Figure 8); snapshots
 * and log compaction; single-server membership changes with learners, effective on commit, one
 * at a time; leadership transfer; ReadIndex, and lease reads (see `leaseRead`).
 */
export interface RaftConfig {
  id: NodeId;
  /** The initial membership (used when the log holds no configuration). */
  membership: Membership;
  electionTick: number;
  heartbeatTick: number;
  random: Random;
  preVote?: boolean;
  checkQuorum?: boolean;
  maxInflight?: number;
  maxEntriesPerMessage?: number;
  /**
   * Ticks of clock drift between nodes the lease must tolerate: a leader serves lease reads
   * only while a quorum was heard from within (electionTick - leaseDriftTicks) ticks.
   */
  leaseDriftTicks?: number;
  /**
   * Simulation only: deliberately break the commit rule (commit a previous-term entry by
   * counting replicas, which Figure 8 shows unsafe) so that the simulator can prove it notices.
   * Like the paper's Figure 8, the broken leader also appends no entry of its own on election
   * (that entry would otherwise mask the bug in all but very rare schedules).
   */
  unsafeCommitPreviousTermForTesting?: boolean;
  /** Restored state after a restart. */
  hardState?: HardState;
  /**
   * The persisted entries after the snapshot. With `stableEntries` they may start later, from
   * any index up to the last applied one (the earlier entries stay on disk, and their
   * configuration entries come in `configEntriesOnDisk`), so that a restart does not bring a
   * long log back into memory.
   */
  entries?: Entry[];
  configEntriesOnDisk?: Entry[];
  snapshot?: SnapshotMeta;
  /** The persisted snapshot's state-machine data, so that a restarted leader can send it. */
  snapshotData?: Uint8Array;
  applied?: number;
  /**
   * Reads persisted entries back: with it, entries that are applied and persisted leave memory
   * at each `advance` (see RaftLog.release), so a long-lived group's memory stays bounded.
   */
  stableEntries?: StableEntries;
}

export class NotLeaderError extends ShoalError {
  constructor(readonly leader: NodeId) {
    super('NotLeader', `not the leader (leader: ${leader})`, 'server');
  }
}

export class ProposalDroppedError extends ShoalError {
  constructor(reason: string) {
    super('ProposalDropped', reason, 'server');
  }
}

export class RaftNode {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  role: Role = 'follower';
  leader: NodeId = NONE;
  readonly log: RaftLog;
  membership: Membership;
  private progress = new Map<NodeId, Progress>();
  private votes = new Map<NodeId, boolean>();
  private messages: Message[] = [];
  private readonly reads = new ReadRequests();
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private ticks = 0;
  private lastContact = new Map<NodeId, number>();
  private leadTransferee: NodeId = NONE;
  private pendingConfigIndex = 0;
  /** Committed configuration entries are applied up to here. */
  private appliedConfigIndex = 0;
  /** Configuration entries committed since the last hard state handed out in a ready. */
  private configsCommitted = 0;
  private latestSnapshot: Snapshot | undefined;
  /** A peer needs a snapshot whose data this node does not hold: the driver is asked for it (`wantsSnapshot`). */
  private snapshotWanted = false;
  /** When data given by `provideSnapshot` was handed over (in ticks); it is let go once no peer needs it. */
  private snapshotProvidedAt: number | undefined;
  /** Entries were appended since the last ready(): broadcast them then. */
  private appendsPending = false;
  private previousHardState: HardState;
  private readonly electionTick: number;
  private readonly heartbeatTick: number;
  private readonly random: Random;
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly maxInflight: number;
  private readonly maxEntriesPerMessage: number;
  private readonly leaseDriftTicks: number;
  private readonly unsafeCommitPreviousTerm: boolean;

  constructor(config: RaftConfig) {
    assert(config.id !== NONE, 'node id 0 is reserved');
    assert(config.heartbeatTick > 0 && config.electionTick > config.heartbeatTick, 'electionTick must exceed heartbeatTick');
    this.id = config.id;
    this.electionTick = config.electionTick;
    this.heartbeatTick = config.heartbeatTick;
    this.random = config.random;
    this.preVote = config.preVote ?? true;
    this.checkQuorum = config.checkQuorum ?? true;
    this.maxInflight = config.maxInflight ?? 256;
    this.maxEntriesPerMessage = config.maxEntriesPerMessage ?? 64;
    this.leaseDriftTicks = config.leaseDriftTicks ?? 2;
    this.unsafeCommitPreviousTerm = config.unsafeCommitPreviousTermForTesting === true;
    this.log = new RaftLog(config.snapshot, config.entries ?? [], config.hardState?.commit ?? 0, config.stableEntries);
    if (config.applied !== undefined) this.log.applied = Math.max(this.log.applied, Math.min(config.applied, this.log.committed));
    assert(this.log.applied + 1 >= this.log.firstIndexInMemory, `entries from ${this.log.firstIndexInMemory} on were restored, but ${this.log.applied + 1} is the next to apply`);
    this.membership = config.snapshot?.membership ?? config.membership;
    if (config.snapshot && config.snapshotData) this.latestSnapshot = { meta: config.snapshot, data: config.snapshotData };
    for (const entry of [...(config.configEntriesOnDisk ?? []), ...(config.entries ?? [])]) {
      if (entry.type === 'config' && entry.index <= this.log.committed && entry.config) this.membership = applyChange(this.membership, entry.config);
    }
    this.appliedConfigIndex = this.log.committed;
    this.term = config.hardState?.term ?? 0;
    this.vote = config.hardState?.vote ?? NONE;
    this.previousHardState = this.hardState();
    this.becomeFollower(this.term, NONE);
  }

  // ---- inputs ----

  tick(): void {
    this.ticks++;
    this.releaseProvidedSnapshot();
    if (this.role === 'leader') return this.tickHeartbeat();
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.campaign(this.preVote ? 'preVote' : 'election');
    }
  }

  propose(data: Uint8Array): number {
    if (this.role !== 'leader') throw new NotLeaderError(this.leader);
    if (this.leadTransferee !== NONE) throw new ProposalDroppedError('leadership transfer in progress');
    return this.appendEntry({ type: 'normal', data });
  }

  proposeConfigChange(change: ConfigChange): number {
    if (this.role !== 'leader') throw new NotLeaderError(this.leader);
    if (this.pendingConfigIndex > this.log.committed) throw new ProposalDroppedError('a configuration change is already pending');
    if (this.log.term(this.log.committed) !== this.term) throw new ProposalDroppedError('the leader has not committed an entry in its term yet');
    const index = this.appendEntry({ type: 'config', data: null, config: change });
    this.pendingConfigIndex = index;
    return index;
  }

  /** Requests a linearizable read point; answered in a later ready() as a ReadState. */
  readIndex(requestId: number): void {
    if (this.role !== 'leader') throw new NotLeaderError(this.leader);
    if (this.log.term(this.log.committed) !== this.term) return this.reads.defer(requestId);
    this.startRead(requestId);
  }

  /**
   * A read point without a message round, valid while the leader's lease holds: a quorum was
   * heard from within (electionTick - leaseDriftTicks) ticks, so (with check-quorum, under which
   * followers refuse votes for an election timeout after hearing from the leader) no other leader
   * can have been elected, provided clocks drift by less than leaseDriftTicks per election
   * timeout. Returns undefined when the lease cannot be used.
   */
  leaseRead(): number | undefined {
    if (this.role !== 'leader' || !this.checkQuorum || this.log.term(this.log.committed) !== this.term) return undefined;
    const window = this.electionTick - this.leaseDriftTicks;
    const recent = this.membership.voters.filter((voter) => voter === this.id || this.ticks - (this.lastContact.get(voter) ?? -Infinity) < window);
    return recent.length * 2 > this.membership.voters.length ? this.log.committed : undefined;
  }

  transferLeadership(to: NodeId): void {
    if (this.role !== 'leader' || to === this.id || !this.membership.voters.includes(to)) return;
    this.leadTransferee = to;
    this.electionElapsed = 0;
    const progress = this.progress.get(to) as Progress;
    if (progress.match === this.log.lastIndex()) this.send({ type: 'timeoutNow', to, term: this.term });
    else this.sendAppend(to);
  }

  /** Ticks this node has counted since it started (its local clock for leases). */
  ticksElapsed(): number {
    return this.ticks;
  }

  /** The latest snapshot: taken locally by `compact`, installed from a leader, or restored. */
  snapshot(): Snapshot | undefined {
    return this.latestSnapshot;
  }

  /**
   * The driver has a snapshot of the state machine at `index` (<= applied): compact the log. A
   * driver whose state machine keeps its state in durable storage passes no data (the snapshot
   * is then the machine itself): a peer that needs it later makes `wantsSnapshot` true, and the
   * driver answers with `provideSnapshot`.
   */
  compact(index: number, data: Uint8Array = NO_SNAPSHOT_DATA): void {
    if (index <= this.log.snapshotIndex) return; // already compacted past it (a newer snapshot arrived)
    this.latestSnapshot = this.snapshotAt(index, data);
    this.snapshotProvidedAt = undefined;
    this.log.compact(index);
  }

  /** A peer needs entries compacted away, and the latest snapshot holds no data: call `provideSnapshot`. */
  wantsSnapshot(): boolean {
    return this.snapshotWanted;
  }

  /**
   * The state machine's data at `index` (applied, and not before the log's snapshot point), asked
   * for through `wantsSnapshot`. It goes to the peers that need it, and is let go once none does.
   * Data for an index the log has since been compacted past (a snapshot arrived) is ignored.
   */
  provideSnapshot(index: number, data: Uint8Array): void {
    this.snapshotWanted = false;
    if (index < this.log.snapshotIndex || index > this.log.applied || data.length === 0) return;
    this.latestSnapshot = this.snapshotAt(index, data);
    this.snapshotProvidedAt = this.ticks;
    if (this.role !== 'leader') return;
    for (const [peer, progress] of this.progress) if (peer !== this.id && progress.next <= this.log.snapshotIndex) this.sendAppend(peer);
  }

  private snapshotAt(index: number, data: Uint8Array): Snapshot {
    const term = index === this.log.snapshotIndex ? this.log.snapshotTerm : this.log.term(index);
    assert(term !== undefined, `no entry at ${index} to snapshot`);
    // The membership in force now: changes committed after `index` are in it too, and a node
    // that installs the snapshot replays them from their entries, ending in the same membership.
    return { meta: { index, term, membership: copyMembership(this.membership) }, data };
  }

  /**
   * Keeps only the latest snapshot's point, not its data: for a driver whose state machine now
   * holds that state in durable storage (it installed a snapshot from the leader), so that a
   * peer needing one later gets it through `wantsSnapshot`.
   */
  releaseSnapshotData(): void {
    if (this.latestSnapshot) this.latestSnapshot = { meta: this.latestSnapshot.meta, data: NO_SNAPSHOT_DATA };
    this.snapshotProvidedAt = undefined;
  }

  /** Lets go of data given by `provideSnapshot` once no peer has been waiting for it for an election timeout. */
  private releaseProvidedSnapshot(): void {
    if (this.snapshotProvidedAt === undefined || this.ticks - this.snapshotProvidedAt < this.electionTick || !this.latestSnapshot) return;
    for (const progress of this.progress.values()) if (progress.state === 'snapshot') return;
    this.releaseSnapshotData();
  }

  step(message: Message): void {
    if (message.term > this.term) {
      const campaign = message.type === 'vote' || message.type === 'preVote';
      const forced = message.context === FORCED_CAMPAIGN;
      if (campaign && this.checkQuorum && this.leader !== NONE && this.electionElapsed < this.electionTick && !forced) return; // in lease
      if (message.type === 'preVote' || (message.type === 'preVoteResponse' && !message.reject)) {
        // Pre-votes never change terms.
      } else {
        const leaderMessage = message.type === 'append' || message.type === 'heartbeat' || message.type === 'snapshot';
        this.becomeFollower(message.term, leaderMessage ? message.from : NONE);
      }
    } else if (message.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (message.type === 'append' || message.type === 'heartbeat')) {
        this.send({ type: 'appendResponse', to: message.from, term: this.term });
      } else if (message.type === 'preVote') {
        this.send({ type: 'preVoteResponse', to: message.from, term: this.term, reject: true });
      }
      return;
    }
    if (message.type === 'vote' || message.type === 'preVote') return this.handleVoteRequest(message);
    switch (this.role) {
      case 'leader':
        return this.stepLeader(message);
      case 'candidate':
      case 'preCandidate':
        return this.stepCandidate(message);
      default:
        return this.stepFollower(message);
    }
  }

  // ---- outputs ----

  hasReady(): boolean {
    if (this.appendsPending && this.role === 'leader') return true;
    return (
      this.messages.length > 0 ||
      this.reads.answered.length > 0 ||
      this.log.pendingSnapshot !== undefined ||
      this.log.stabled < this.log.lastIndex() ||
      this.log.committed > this.log.applied ||
      // The hard state compared field by field: asked of every group every round, this allocates nothing.
      this.term !== this.previousHardState.term ||
      this.vote !== this.previousHardState.vote ||
      this.log.committed !== this.previousHardState.commit
    );
  }

  ready(): Ready {
    if (this.appendsPending) {
      this.appendsPending = false;
      if (this.role === 'leader') this.broadcastAppend();
    }
    const hardState = this.hardState();
    const changed = !sameHardState(hardState, this.previousHardState);
    // A leader's messages may precede its write unless their term (or vote) is not on disk yet.
    const termOnDisk = hardState.term === this.previousHardState.term && hardState.vote === this.previousHardState.vote;
    const mayGoEarly = this.role === 'leader' && termOnDisk;
    const early: Message[] = [];
    const late: Message[] = [];
    for (const message of this.messages) (mayGoEarly && isLeaderMessage(message) ? early : late).push(message);
    const mustSync = changed && (!termOnDisk || this.configsCommitted > 0);
    if (changed) this.configsCommitted = 0;
    return {
      ...(changed ? { hardState } : {}),
      mustSync,
      entries: this.log.unstableEntries(),
      ...(this.log.pendingSnapshot ? { snapshot: this.log.pendingSnapshot } : {}),
      committedEntries: this.log.nextCommittedEntries(),
      messages: early.length === 0 ? late : late.length === 0 ? early : [...early, ...late],
      earlyMessageCount: early.length,
      readStates: [...this.reads.answered],
      leader: this.leader,
      role: this.role,
    };
  }

  advance(ready: Ready): void {
    if (ready.hardState) this.previousHardState = ready.hardState;
    const lastEntry = ready.entries[ready.entries.length - 1];
    if (lastEntry && this.log.term(lastEntry.index) === lastEntry.term) {
      this.log.stabled = Math.max(this.log.stabled, lastEntry.index);
      // Only now does the leader's own log count toward committing them.
      if (this.role === 'leader' && this.progress.get(this.id)?.maybeUpdate(this.log.stabled)) this.maybeCommit();
    }
    if (ready.snapshot && this.log.pendingSnapshot === ready.snapshot) this.log.pendingSnapshot = undefined;
    const lastApplied = ready.committedEntries[ready.committedEntries.length - 1];
    if (lastApplied) this.log.applied = Math.max(this.log.applied, lastApplied.index);
    this.log.release(this.log.applied);
    this.messages.splice(0, ready.messages.length);
    this.reads.release(ready.readStates.length);
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  // ---- roles ----

  private becomeFollower(term: number, leader: NodeId): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = NONE;
    }
    this.role = 'follower';
    this.leader = leader;
    this.reset();
  }

  private becomePreCandidate(): void {
    this.role = 'preCandidate';
    this.votes = new Map();
    this.leader = NONE;
  }

  private becomeCandidate(): void {
    this.reset();
    this.term++;
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    this.reset();
    this.role = 'leader';
    this.leader = this.id;
    for (const peer of this.peers()) this.progress.set(peer, new Progress(this.log.lastIndex() + 1));
    // Its own log counts as far as it is persisted; the rest once `advance` says so.
    this.progress.get(this.id)?.maybeUpdate(this.log.stabled);
    // A change pending under an earlier leadership may have been cut from the log since; any
    // entry still here commits with this term's first one, before a new change is accepted.
    this.pendingConfigIndex = this.log.lastIndex();
    if (!this.unsafeCommitPreviousTerm) this.appendEntry({ type: 'normal', data: null });
  }

  private reset(): void {
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTick + this.random.int(this.electionTick);
    this.votes = new Map();
    this.progress = new Map();
    this.leadTransferee = NONE;
    this.reads.dropUnanswered();
    this.lastContact = new Map();
  }

  private promotable(): boolean {
    return this.membership.voters.includes(this.id);
  }

  /** 'transfer' campaigns (after timeoutNow) skip the pre-vote and are granted inside leases. */
  private campaign(kind: 'preVote' | 'election' | 'transfer'): void {
    if (kind === 'preVote') {
      this.becomePreCandidate();
      this.collectVote(this.id, true, 'preVote', this.term + 1);
      return;
    }
    this.becomeCandidate();
    this.collectVote(this.id, true, 'vote', this.term, kind === 'transfer');
  }

  /** Records a vote (our own to begin with) and asks the other voters when starting. */
  private collectVote(from: NodeId, granted: boolean, kind: 'vote' | 'preVote', term: number, forced = false): void {
    this.votes.set(from, granted);
    if (from === this.id) {
      for (const voter of this.membership.voters) {
        if (voter === this.id) continue;
        this.send({ type: kind, to: voter, term, index: this.log.lastIndex(), logTerm: this.log.lastTerm(), ...(forced ? { context: FORCED_CAMPAIGN } : {}) });
      }
    }
    const granted_ = this.membership.voters.filter((voter) => this.votes.get(voter) === true).length;
    const rejected = this.membership.voters.filter((voter) => this.votes.get(voter) === false).length;
    const quorum = Math.floor(this.membership.voters.length / 2) + 1;
    if (granted_ >= quorum) {
      if (kind === 'preVote') this.campaign('election');
      else this.becomeLeader();
    } else if (rejected >= quorum) {
      this.becomeFollower(this.term, NONE);
    }
  }

  private handleVoteRequest(message: Message): void {
    const preVote = message.type === 'preVote';
    const canVote = this.vote === message.from || (this.vote === NONE && this.leader === NONE) || (preVote && message.term > this.term);
    const granted = canVote && this.log.isUpToDate(message.index ?? 0, message.logTerm ?? 0);
    const responseType = preVote ? 'preVoteResponse' : 'voteResponse';
    // A granted pre-vote answers with the term the candidate asked for; everything else with ours.
    this.send({ type: responseType, to: message.from, term: granted && preVote ? (message.term as number) : this.term, reject: !granted });
    if (granted && !preVote) {
      this.electionElapsed = 0;
      this.vote = message.from;
    }
  }

  private stepCandidate(message: Message): void {
    switch (message.type) {
      case 'append':
      case 'heartbeat':
      case 'snapshot':
        this.becomeFollower(message.term, message.from);
        return this.stepFollower(message);
      case 'preVoteResponse':
        if (this.role === 'preCandidate') this.collectVote(message.from, !message.reject, 'preVote', this.term + 1);
        return;
      case 'voteResponse':
        if (this.role === 'candidate') this.collectVote(message.from, !message.reject, 'vote', this.term);
        return;
      default:
        return;
    }
  }

  private stepFollower(message: Message): void {
    switch (message.type) {
      case 'append': {
        this.electionElapsed = 0;
        this.leader = message.from;
        const prevIndex = message.index as number;
        if (prevIndex < this.log.committed) {
          this.send({ type: 'appendResponse', to: message.from, term: this.term, index: this.log.committed });
          return;
        }
        const last = this.log.maybeAppend(prevIndex, message.logTerm as number, message.commit ?? 0, message.entries ?? []);
        this.applyCommittedConfigs();
        if (last === undefined) {
          this.send({ type: 'appendResponse', to: message.from, term: this.term, index: prevIndex, reject: true, rejectHint: this.log.lastIndex() });
        } else {
          this.send({ type: 'appendResponse', to: message.from, term: this.term, index: last });
        }
        return;
      }
      case 'heartbeat':
        this.electionElapsed = 0;
        this.leader = message.from;
        this.log.commitTo(Math.min(message.commit ?? 0, this.log.lastIndex()));
        this.applyCommittedConfigs();
        this.send({
          type: 'heartbeatResponse',
          to: message.from,
          term: this.term,
          ...(message.context !== undefined ? { context: message.context } : {}),
          ...(message.tick !== undefined ? { tick: message.tick } : {}),
        });
        return;
      case 'snapshot': {
        this.electionElapsed = 0;
        this.leader = message.from;
        const snapshot = message.snapshot as Snapshot;
        if (snapshot.meta.index <= this.log.committed) {
          this.send({ type: 'appendResponse', to: message.from, term: this.term, index: this.log.committed });
          return;
        }
        if (this.log.matchTerm(snapshot.meta.index, snapshot.meta.term)) {
          // We already hold the snapshot's entries: just commit up to it.
          this.log.commitTo(snapshot.meta.index);
          this.applyCommittedConfigs();
        } else {
          this.log.restore(snapshot);
          this.latestSnapshot = snapshot;
          this.snapshotProvidedAt = undefined;
          this.membership = snapshot.meta.membership;
          this.appliedConfigIndex = snapshot.meta.index;
        }
        // Only the snapshot's index is known to match the leader: entries we hold beyond it may be
        // from a deposed leader's term, so acknowledging our last index would overstate the match.
        this.send({ type: 'appendResponse', to: message.from, term: this.term, index: snapshot.meta.index });
        return;
      }
      case 'timeoutNow':
        if (this.promotable()) this.campaign('transfer');
        return;
      default:
        return;
    }
  }

  private stepLeader(message: Message): void {
    const progress = this.progress.get(message.from);
    if (!progress) return;
    progress.recentActive = true;
    if (message.type === 'heartbeatResponse' && message.tick !== undefined && message.tick <= this.ticks) {
      this.lastContact.set(message.from, Math.max(this.lastContact.get(message.from) ?? -Infinity, message.tick));
    }
    switch (message.type) {
      case 'appendResponse': {
        const index = message.index ?? 0;
        if (message.reject) {
          if (progress.maybeDecrease(index, message.rejectHint ?? 0)) this.sendAppend(message.from);
          return;
        }
        if (!progress.maybeUpdate(index)) return;
        if (progress.state === 'probe') progress.becomeReplicate();
        else if (progress.state === 'snapshot' && progress.match >= progress.pendingSnapshot) progress.becomeProbe();
        if (this.maybeCommit()) this.broadcastAppend();
        else if (progress.next <= this.log.lastIndex()) this.sendAppend(message.from);
        if (message.from === this.leadTransferee && progress.match === this.log.lastIndex()) {
          this.send({ type: 'timeoutNow', to: message.from, term: this.term });
        }
        return;
      }
      case 'heartbeatResponse':
        // The follower is reachable. Appends or a snapshot sent to it may have been lost (it was
        // down, or partitioned): free a pipeline slot (as etcd does) and give up on a snapshot
        // unanswered for an election timeout, so that replication to it can resume.
        progress.probeSent = false;
        if (progress.state === 'replicate' && progress.isPaused(this.maxInflight)) progress.inflight.shift();
        if (progress.state === 'snapshot' && this.ticks - progress.snapshotSentTick >= this.electionTick) progress.becomeProbe();
        if (progress.match < this.log.lastIndex()) this.sendAppend(message.from);
        if (message.context !== undefined) this.reads.acknowledge(message.context, message.from, this.membership.voters);
        return;
      default:
        return;
    }
  }

  // ---- leader machinery ----

  private appendEntry(entry: Omit<Entry, 'term' | 'index'>): number {
    const index = this.log.lastIndex() + 1;
    this.log.append([{ ...entry, term: this.term, index }]);
    // The leader counts its own copy of the entry toward a quorum only once it is persisted (in
    // `advance`): its appends may then go out before its own write (Raft thesis §10.2.1).
    // Appends go out when the driver next asks for ready(): every entry proposed in between
    // travels in one message per follower instead of one message per proposal.
    this.appendsPending = true;
    return index;
  }

  /** Commits the highest index on a quorum, but only an entry of the current term (§5.4.2). */
  private maybeCommit(): boolean {
    const matches = this.membership.voters.map((voter) => this.progress.get(voter)?.match ?? 0);
    const index = quorumMatch(matches);
    if (index > this.log.committed && (this.log.term(index) === this.term || this.unsafeCommitPreviousTerm)) {
      this.log.commitTo(index);
      this.applyCommittedConfigs();
      this.releaseDeferredReads();
      return true;
    }
    return false;
  }

  private broadcastAppend(): void {
    for (const peer of this.progress.keys()) if (peer !== this.id) this.sendAppend(peer);
  }

  private sendAppend(to: NodeId): void {
    const progress = this.progress.get(to);
    if (!progress || progress.isPaused(this.maxInflight)) return;
    const prevIndex = progress.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const entries = this.log.slice(progress.next, this.log.lastIndex(), this.maxEntriesPerMessage);
    if (prevTerm === undefined || entries === undefined) {
      if (!this.latestSnapshot || this.latestSnapshot.data.length === 0) {
        this.snapshotWanted = true;
        return;
      }
      progress.becomeSnapshot(this.latestSnapshot.meta.index, this.ticks);
      this.send({ type: 'snapshot', to, term: this.term, snapshot: this.latestSnapshot });
      return;
    }
    this.send({ type: 'append', to, term: this.term, index: prevIndex, logTerm: prevTerm, entries, commit: this.log.committed });
    const last = entries[entries.length - 1];
    if (progress.state === 'replicate' && last) {
      progress.next = last.index + 1;
      progress.inflight.push(last.index);
    } else if (progress.state === 'probe') {
      progress.probeSent = true;
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTick) {
      this.electionElapsed = 0;
      if (this.leadTransferee !== NONE) this.leadTransferee = NONE; // transfer timed out
      if (this.checkQuorum && !this.quorumActive()) return this.becomeFollower(this.term, NONE);
    }
    if (this.heartbeatElapsed >= this.heartbeatTick) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat(undefined);
    }
  }

  private quorumActive(): boolean {
    let active = 0;
    for (const voter of this.membership.voters) {
      const progress = this.progress.get(voter);
      if (voter === this.id || progress?.recentActive) active++;
      if (progress && voter !== this.id) progress.recentActive = false;
    }
    return active * 2 > this.membership.voters.length;
  }

  private broadcastHeartbeat(context: number | undefined): void {
    for (const [peer, progress] of this.progress) {
      if (peer === this.id) continue;
      this.send({ type: 'heartbeat', to: peer, term: this.term, commit: Math.min(progress.match, this.log.committed), tick: this.ticks, ...(context !== undefined ? { context } : {}) });
    }
  }

  private startRead(requestId: number): void {
    if (this.reads.start(requestId, this.log.committed, this.id, this.membership.voters)) this.broadcastHeartbeat(requestId);
  }

  private releaseDeferredReads(): void {
    if (this.log.term(this.log.committed) !== this.term) return;
    for (const requestId of this.reads.takeDeferred()) this.startRead(requestId);
  }

  // ---- membership ----

  private applyCommittedConfigs(): void {
    const from = Math.max(this.log.snapshotIndex + 1, this.appliedConfigIndex + 1);
    for (let index = from; index <= this.log.committed; index++) {
      const entry = this.log.slice(index, index, 1)?.[0];
      if (entry?.type === 'config' && entry.config) this.applyConfigChange(entry.config);
    }
    this.appliedConfigIndex = Math.max(this.appliedConfigIndex, this.log.committed);
  }

  private applyConfigChange(change: ConfigChange): void {
    this.membership = applyChange(this.membership, change);
    this.configsCommitted++;
    if (this.role !== 'leader') return;
    if (change.kind === 'addLearner' && !this.progress.has(change.node)) {
      this.progress.set(change.node, new Progress(this.log.lastIndex() + 1));
      this.sendAppend(change.node);
    }
    if (change.kind === 'remove') {
      if (change.node === this.id) return this.becomeFollower(this.term, NONE);
      this.progress.delete(change.node);
      if (this.maybeCommit()) this.broadcastAppend();
    }
  }

  private peers(): NodeId[] {
    return [...this.membership.voters, ...this.membership.learners];
  }

  /** Queues a message; callers pass a fresh object literal, which becomes the message itself. */
  private send(message: Omit<Message, 'from'>): void {
    (message as Message).from = this.id;
    this.messages.push(message as Message);
  }
}

/** Marks vote requests of a leadership transfer, which followers grant even inside a lease. */
const FORCED_CAMPAIGN = -1;

/** What only a leader sends: replication, heartbeats and leadership transfer. */
function isLeaderMessage(message: Message): boolean {
  return message.type === 'append' || message.type === 'heartbeat' || message.type === 'snapshot' || message.type === 'timeoutNow';
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
