import { ShoalError, SeededRandom, type Random } from '@shoal/base';
import { earlyMessages, lateMessages, malformedMessage, NONE, NotLeaderError, ProposalDroppedError, RaftNode, type ConfigChange, type Entry, type Membership, type Message, type NodeId, type Ready } from '@shoal/raft';
import type { StorageEngine, WriteOp } from '@shoal/storage';
import { GroupSnapshots } from './group-snapshots.js';
import { deleteRange, GroupLog, groupRange, stableEntries } from './log-store.js';
import type { RoundScheduler } from './round-scheduler.js';
import type { GroupMessage, Transport } from './transport.js';

/** A replicated state machine: applies committed proposals in log order, deterministically. */
export interface StateMachine {
  /** Applies one committed proposal; the result goes back to the proposer. */
  apply(data: Uint8Array, index: number): unknown;
  /**
   * The machine's state as of the call, for a peer that needs it. A machine that answers later
   * takes its view before it returns: its state then is the state at the host's applied index.
   */
  snapshot(): Uint8Array | Promise<Uint8Array>;
  /** Replaces the machine's state with a snapshot's, taken at log index `index`. */
  restore(data: Uint8Array, index: number): void | Promise<void>;
  /**
   * Machines that keep their state in the node's storage engine: the index their durable state
   * reflects (entries up to it are not applied again after a restart)...
   */
  readonly durableApplied?: number;
  /**
   * ...and the writes of the entries applied since the last call, with the applied index, which
   * the host writes (unsynced: the Raft log is the durable record, and the next synced write of
   * the engine's WAL makes these durable too) before it answers the proposals and reads.
   */
  takeWrites?(): WriteOp[];
  /** Called once the writes last taken are in the engine (readers of the engine may rely on them). */
  writesStored?(): void;
  /**
   * Such machines are not copied when the log is compacted (their state on disk is the
   * snapshot); `snapshot` runs only when a peer needs one. The log is compacted only while a
   * snapshot would fit in `bytesMax`, so that no peer is left needing one that cannot be sent.
   */
  snapshotFits?(bytesMax: number): Promise<boolean>;
  /** What is wrong with a peer's snapshot data, if anything: such a snapshot is dropped, never restored. */
  snapshotProblem?(data: Uint8Array): string | undefined;
}

export interface HostOptions {
  node: NodeId;
  engine: StorageEngine;
  transport: Transport;
  /** Milliseconds per Raft tick (default 50: heartbeats every 100 ms, elections after 0.5-1 s). */
  tickMs?: number;
  electionTick?: number;
  heartbeatTick?: number;
  /** Applied entries between state-machine snapshots (then the log is compacted). */
  snapshotEvery?: number;
  maxInflight?: number;
  maxEntriesPerMessage?: number;
  random?: Random;
  /** Shared by the hosts of one process, to start their rounds together (default: each on its own). */
  rounds?: RoundScheduler;
}

/** The host closed while a proposal's outcome was still unknown: it may or may not commit. */
export class HostClosedError extends ShoalError {
  constructor() {
    super('HostClosed', 'the Raft host closed before the outcome was known', 'ambiguous');
  }
}

/** Compacted log entries deleted per group per round: compaction cost is spread thin. */
const GARBAGE_ENTRIES_PER_ROUND = 256;

/** A snapshot replaced the log where a proposal was: whether it committed is not known here. */
export class ProposalOutcomeUnknownError extends ShoalError {
  constructor(index: number) {
    super('ProposalOutcomeUnknown', `a snapshot replaced log entry ${index} before this node applied it`, 'ambiguous');
  }
}

/** This node stopped leading the group before a proposal's entry committed: it may still commit under the next leader. */
export class LeadershipLostError extends ShoalError {
  constructor(index: number) {
    super('LeadershipLost', `this node stopped leading before entry ${index} committed; it may still commit`, 'ambiguous');
  }
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

interface Group {
  id: number;
  node: RaftNode;
  log: GroupLog;
  machine: StateMachine;
  applied: number;
  snapshots: GroupSnapshots;
  proposals: Map<number, Waiter<unknown> & { term: number }>;
  reads: Map<number, Waiter<void>>;
  /** Reads whose read index is known, waiting for the state machine to apply up to it. */
  readsAwaitingApply: { index: number; waiter: Waiter<void> }[];
}

/**
 * A multi-Raft host: every Raft group a node takes part in, driven together. Each round collects
 * the ready batches of all groups, makes them durable with ONE synced write (group commit across
 * groups), then sends their messages batched per destination node and applies committed entries.
 * While a round's write is in flight, incoming messages and proposals accumulate for the next.
 */
export class RaftHost {
  private readonly groups = new Map<number, Group>();
  private readonly random: Random;
  private readonly ticker: NodeJS.Timeout;
  private scheduled = false;
  /** Readies taken by a scheduler's lead step, for the round that follows it. */
  private led: { group: Group; ready: Ready }[] = [];
  private readonly scheduledRound = { lead: () => this.lead(), run: () => this.startRound() };
  private roundInFlight: Promise<void> | undefined;
  private writing = false;
  private closed = false;
  private nextRead = 1;
  private ticks = 0;
  /** Durable-write rounds and the Raft records they carried (for benchmarks and tests). */
  readonly stats = { rounds: 0, syncs: 0, messagesSent: 0, batchesSent: 0, malformedMessages: 0, compactions: 0, snapshotsTaken: 0, snapshotsInstalled: 0, snapshotFailures: 0 };

  constructor(private readonly options: HostOptions) {
    this.random = options.random ?? new SeededRandom((Date.now() ^ (options.node * 0x9e3779b1)) >>> 0);
    options.transport.receive((_from, batch) => this.deliver(batch));
    this.ticker = setInterval(() => this.tick(), options.tickMs ?? 50);
  }

  get node(): NodeId {
    return this.options.node;
  }

  /** Opens (or creates, with `membership`) the replica of `group` on this node. */
  async addGroup(group: number, membership: Membership, machine: StateMachine): Promise<void> {
    if (this.groups.has(group)) throw new Error(`raft group ${group} is already open`);
    const durable = machine.durableApplied ?? 0;
    // Applied entries leave memory (a lagging follower's are read back from the engine), and
    // those the machine's durable state already reflects are not even read into it.
    const reader = stableEntries(this.options.engine, group);
    const { log, persisted } = await GroupLog.open(this.options.engine, group, reader ? durable : 0);
    const snapshotIndex = persisted.snapshot?.meta.index ?? 0;
    // A snapshot without data is a compaction point of a machine whose state is on disk.
    if (persisted.snapshot && durable < snapshotIndex && persisted.snapshot.data.length > 0) {
      await machine.restore(persisted.snapshot.data, snapshotIndex);
      const restored = machine.takeWrites?.() ?? [];
      if (restored.length > 0) await this.options.engine.write(restored, { sync: false });
      machine.writesStored?.();
    }
    const applied = Math.max(snapshotIndex, durable);
    const node = new RaftNode({
      id: this.options.node,
      membership,
      electionTick: this.options.electionTick ?? 10,
      heartbeatTick: this.options.heartbeatTick ?? 2,
      random: new SeededRandom(this.random.int(2 ** 31)),
      ...(this.options.maxInflight ? { maxInflight: this.options.maxInflight } : {}),
      ...(this.options.maxEntriesPerMessage ? { maxEntriesPerMessage: this.options.maxEntriesPerMessage } : {}),
      ...(persisted.hardState ? { hardState: persisted.hardState } : {}),
      entries: persisted.entries,
      ...(persisted.configEntriesOnDisk ? { configEntriesOnDisk: persisted.configEntriesOnDisk } : {}),
      ...(persisted.snapshot ? { snapshot: persisted.snapshot.meta, snapshotData: persisted.snapshot.data } : {}),
      applied,
      ...(reader ? { stableEntries: reader } : {}),
    });
    const snapshots = new GroupSnapshots(group, node, log, machine, applied, this.stats, this.options.electionTick ?? 10);
    this.groups.set(group, { id: group, node, log, machine, applied, snapshots, proposals: new Map(), reads: new Map(), readsAwaitingApply: [] });
    this.kick();
  }

  raft(group: number): RaftNode {
    return this.group(group).node;
  }

  /** Proposes `data` to `group` (this node must lead it); resolves with the apply result. */
  propose(group: number, data: Uint8Array): Promise<unknown> {
    const target = this.group(group);
    const index = target.node.propose(data);
    this.kick();
    return new Promise((resolve, reject) => target.proposals.set(index, { term: target.node.term, resolve, reject }));
  }

  /** Proposes a membership change to `group` (this node must lead it); resolves once it is applied here. */
  proposeConfigChange(group: number, change: ConfigChange): Promise<void> {
    const target = this.group(group);
    const index = target.node.proposeConfigChange(change);
    this.kick();
    return new Promise((resolve, reject) => target.proposals.set(index, { term: target.node.term, resolve: () => resolve(), reject }));
  }

  /**
   * Stops running this node's replica of `group` (after the group removed this node) and deletes
   * its Raft log and hard state; the caller deletes the state machine's own data.
   */
  async removeGroup(group: number): Promise<void> {
    const target = this.group(group);
    this.groups.delete(group);
    for (const waiter of [...target.proposals.values(), ...target.reads.values(), ...target.readsAwaitingApply.map((read) => read.waiter)]) {
      waiter.reject(new NotLeaderError(NONE));
    }
    // Wait out a round in flight, whose writes may still name the group.
    while (this.writing) await new Promise((resolve) => setImmediate(resolve));
    await deleteRange(this.options.engine, groupRange(group));
  }

  /** Resolves once this node's state machine reflects every write committed before the call (ReadIndex). */
  linearizableRead(group: number): Promise<void> {
    const target = this.group(group);
    // Within the leader's lease (check-quorum), the commit index is a safe read point without a message round.
    const leased = target.node.leaseRead();
    if (leased !== undefined) {
      if (leased <= target.applied) return Promise.resolve();
      this.kick();
      return new Promise((resolve, reject) => target.readsAwaitingApply.push({ index: leased, waiter: { resolve, reject } }));
    }
    const requestId = this.nextRead++;
    target.node.readIndex(requestId);
    this.kick();
    return new Promise((resolve, reject) => target.reads.set(requestId, { resolve, reject }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ticker);
    for (const group of this.groups.values()) {
      for (const waiter of [...group.proposals.values(), ...group.reads.values(), ...group.readsAwaitingApply.map((read) => read.waiter)]) waiter.reject(new HostClosedError());
    }
    await this.options.transport.close();
    // A round may still be writing (its batch queued behind a group commit shared with other
    // nodes): let it finish before the caller closes the engine under it.
    await this.roundInFlight?.catch(() => {});
  }

  private group(group: number): Group {
    const found = this.groups.get(group);
    if (!found) throw new Error(`raft group ${group} is not open on node ${this.options.node}`);
    return found;
  }

  private tick(): void {
    this.ticks++;
    for (const group of this.groups.values()) {
      group.node.tick();
      // A leader that stepped down (check-quorum) may produce no ready until it hears from a peer.
      if (!this.writing && group.node.role !== 'leader' && group.proposals.size > 0) {
        const answers: (() => void)[] = [];
        this.abandonProposals(group, answers);
        for (const answer of answers) answer();
      }
    }
    this.kick();
  }

  private deliver(batch: GroupMessage[]): void {
    if (this.closed) return;
    for (const { group, message } of batch) {
      const target = this.groups.get(group);
      if (!target) continue;
      // A garbled message is dropped like a lost one, never allowed to trip the core's assertions.
      const snapshotData = message.type === 'snapshot' ? message.snapshot?.data : undefined;
      if (malformedMessage(message, this.options.node) !== undefined || (snapshotData && target.machine.snapshotProblem?.(snapshotData) !== undefined)) {
        this.stats.malformedMessages++;
        continue;
      }
      target.node.step(message);
    }
    this.kick();
  }

  private kick(): void {
    if (this.scheduled || this.writing || this.closed) return;
    this.scheduled = true;
    if (this.options.rounds) this.options.rounds.schedule(this.scheduledRound);
    else setImmediate(() => void this.startRound());
  }

  /** Starts a round; the answer settles (never rejects) when it is done. */
  private startRound(): Promise<void> {
    this.scheduled = false;
    const round = this.round();
    this.roundInFlight = round;
    // A failed synced write leaves this node's durable state unknown: the rejection surfaces
    // (unhandled, through `finally`'s promise), while the scheduler only learns that it is over.
    return new Promise((resolve) => void round.finally(resolve));
  }

  /** A scheduler's first step: the readies of the groups this node leads, whose appends go now. */
  private lead(): void {
    if (this.writing || this.closed) return;
    for (const group of this.groups.values()) {
      if (group.node.role === 'leader' && group.node.hasReady()) this.led.push({ group, ready: group.node.ready() });
    }
    this.send(this.led, earlyMessages);
  }

  private async round(): Promise<void> {
    if (this.writing || this.closed) return;
    const led = this.led;
    this.led = [];
    const ledGroups = new Set(led.map((each) => each.group));
    const taken: { group: Group; ready: Ready }[] = [];
    for (const group of this.groups.values()) {
      // Nothing of this round is applied yet: the engine holds exactly what the group applied, so a view taken now is a snapshot.
      group.snapshots.serve(group.applied, this.ticks, () => this.kick());
      if (!ledGroups.has(group) && group.node.hasReady()) taken.push({ group, ready: group.node.ready() });
    }
    const batch = led.length === 0 ? taken : [...led, ...taken];
    if (batch.length === 0) return;
    this.writing = true;
    const ops: WriteOp[] = [];
    // Written with the state machines' writes after applying (commit-only hard states).
    const unsynced: WriteOp[] = [];
    for (const { group, ready } of batch) group.log.persist(ready, ops, unsynced);
    // A leader's appends and heartbeats go out before its own write: the followers' writes
    // overlap it, and the core counts the leader's entries only once the write is done.
    this.send(taken, earlyMessages);
    if (ops.length > 0) {
      // A failed synced write leaves the node's durable state unknown: it must stop, not guess.
      await this.options.engine.write(ops, { sync: true });
      this.stats.syncs++;
    }
    this.stats.rounds++;
    if (this.closed) return;
    // Answers to proposals and reads wait until the state they describe is in the engine.
    const answers: (() => void)[] = [];
    for (const { group, ready } of batch) {
      if (ready.snapshot) {
        await group.machine.restore(ready.snapshot.data, ready.snapshot.meta.index);
        group.applied = ready.snapshot.meta.index;
        for (const [index, waiter] of group.proposals) {
          if (index > group.applied) continue;
          group.proposals.delete(index);
          answers.push(() => waiter.reject(new ProposalOutcomeUnknownError(index)));
        }
      }
      for (const entry of ready.committedEntries) this.apply(group, entry, answers);
      for (const state of ready.readStates) {
        const waiter = group.reads.get(state.requestId);
        if (!waiter) continue;
        group.reads.delete(state.requestId);
        group.readsAwaitingApply.push({ index: state.index, waiter });
      }
      group.node.advance(ready);
      this.releaseReads(group, answers);
      if (ready.role !== 'leader') {
        this.failReads(group, ready.leader);
        this.abandonProposals(group, answers);
      }
      // Not push(...writes): an installed snapshot's writes can outnumber the arguments a call takes.
      for (const write of group.machine.takeWrites?.() ?? []) unsynced.push(write);
      if (ready.snapshot) group.snapshots.installed(ready.snapshot.meta.index, unsynced);
      group.snapshots.afterRound(group.applied, this.options.snapshotEvery ?? 10_000, unsynced);
      group.log.collectGarbage(unsynced, GARBAGE_ENTRIES_PER_ROUND);
    }
    this.send(batch, lateMessages);
    // No sync of its own: losing it in a crash only keeps more log, or re-applies entries.
    if (unsynced.length > 0) await this.options.engine.write(unsynced, { sync: false });
    for (const { group } of batch) group.machine.writesStored?.();
    for (const answer of answers) answer();
    this.writing = false;
    this.kick();
  }

  /** Sends the early or the late messages of the batch's readies, one transport batch per destination node. */
  private send(batch: { group: Group; ready: Ready }[], messagesOf: (ready: Ready) => Message[]): void {
    const outbound = new Map<NodeId, GroupMessage[]>();
    for (const { group, ready } of batch) {
      for (const message of messagesOf(ready)) {
        let messages = outbound.get(message.to);
        if (!messages) outbound.set(message.to, (messages = []));
        messages.push({ group: group.id, message });
      }
    }
    for (const [to, messages] of outbound) {
      this.options.transport.send(to, messages);
      this.stats.batchesSent++;
      this.stats.messagesSent += messages.length;
    }
  }

  private apply(group: Group, entry: Entry, answers: (() => void)[]): void {
    if (entry.index <= group.applied) return;
    group.applied = entry.index;
    const result = entry.type === 'normal' && entry.data !== null ? group.machine.apply(entry.data, entry.index) : undefined;
    const waiter = group.proposals.get(entry.index);
    if (!waiter) return;
    group.proposals.delete(entry.index);
    if (waiter.term === entry.term) answers.push(() => waiter.resolve(result));
    else answers.push(() => waiter.reject(new ProposalDroppedError(`entry ${entry.index} was replaced by a leader of term ${entry.term}`)));
  }

  private releaseReads(group: Group, answers: (() => void)[]): void {
    if (group.readsAwaitingApply.length === 0) return;
    const ready = group.readsAwaitingApply.filter((read) => read.index <= group.applied);
    group.readsAwaitingApply = group.readsAwaitingApply.filter((read) => read.index > group.applied);
    for (const read of ready) answers.push(() => read.waiter.resolve());
  }

  /** Read requests a deposed leader can no longer confirm fail, so that the client retries elsewhere. */
  private failReads(group: Group, leader: NodeId): void {
    for (const waiter of group.reads.values()) waiter.reject(new NotLeaderError(leader));
    group.reads.clear();
  }

  /**
   * A node that no longer leads cannot tell its proposers the outcome until another leader's log
   * reaches it, which a partition may delay indefinitely: they are told now that it is unknown.
   */
  private abandonProposals(group: Group, answers: (() => void)[]): void {
    for (const [index, waiter] of group.proposals) answers.push(() => waiter.reject(new LeadershipLostError(index)));
    group.proposals.clear();
  }
}
