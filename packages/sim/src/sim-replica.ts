import { SeededRandom } from '@shoal/base';
import { earlyMessages, lateMessages, NO_SNAPSHOT_DATA, RaftNode, type Entry, type HardState, type Membership, type Message, type NodeId, type ReadState, type Ready, type Snapshot, type StableEntries } from '@shoal/raft';
import type { BuggifyMoment } from './sim-world.js';

/**
 * One simulated Raft replica (a node of the single-group simulation, or one group's replica on a
 * storage node of the cluster simulation) and its disk: booting from the disk, ticking on a
 * skewed clock, and syncing each `Ready` with a delay before anything in it is applied or sent,
 * so that a crash in between loses exactly what a real crash would.
 */

/** Steps per Raft tick on a node without skew; skew stays within the lease's drift allowance. */
export const STEPS_PER_TICK = 10;
const COMPACT_EVERY_ENTRIES = 40;

/** What survives a crash: the synced hard state, log and latest snapshot. */
export interface Disk {
  hardState?: HardState;
  entries: Entry[];
  snapshot?: Snapshot;
}

/** A replicated state machine the simulator can snapshot (for compaction and snapshot installs). */
export interface SnapshotMachine {
  snapshot(): Uint8Array;
}

export interface SimReplica<Machine extends SnapshotMachine> {
  raft: RaftNode;
  machine: Machine;
  applied: number;
  /** A ready being synced: it completes at `doneAt` unless the node crashes first. */
  syncing?: { ready: Ready; doneAt: number };
  ticksPerStep: number;
  nextTickAt: number;
  lastCompacted: number;
  /**
   * Compacts without handing the core its state, and provides a snapshot only when a peer needs
   * one, as a storage node's disk-backed keyspaces do (half the replicas, by their Raft seed).
   */
  onDemandSnapshots: boolean;
}

export interface BootOptions<Machine> {
  id: NodeId;
  disk: Disk;
  /** The membership the group started with (the log's configuration entries change it). */
  membership: Membership;
  now: number;
  /** Seeds the node's own randomness (its election timeouts). */
  raftSeed: number;
  random: SeededRandom;
  preVote: boolean;
  checkQuorum: boolean;
  /** Deliberately broken engines: forget the vote across a restart; commit by counting replicas. */
  forgetVote?: boolean;
  commitPreviousTerm?: boolean;
  restore(data: Uint8Array): Machine;
  empty(): Machine;
}

/** Boots a replica from its disk, as a restart does (a new replica boots from an empty disk). */
export function bootReplica<Machine extends SnapshotMachine>(options: BootOptions<Machine>): SimReplica<Machine> {
  const { disk, random } = options;
  const onDemandSnapshots = options.raftSeed % 2 === 1;
  const hardState = disk.hardState && options.forgetVote ? { ...disk.hardState, vote: 0 } : disk.hardState;
  const raft = new RaftNode({
    id: options.id,
    membership: options.membership,
    electionTick: 10,
    heartbeatTick: 2,
    random: new SeededRandom(options.raftSeed),
    maxInflight: 8,
    preVote: options.preVote,
    checkQuorum: options.checkQuorum,
    // Small, varied batches make partial acknowledgements (and so the commit rule) matter.
    maxEntriesPerMessage: 1 + random.int(4),
    ...(hardState ? { hardState } : {}),
    entries: disk.entries,
    ...(disk.snapshot ? { snapshot: disk.snapshot.meta, snapshotData: onDemandSnapshots ? NO_SNAPSHOT_DATA : disk.snapshot.data, applied: disk.snapshot.meta.index } : {}),
    ...(options.commitPreviousTerm ? { unsafeCommitPreviousTermForTesting: true } : {}),
    // Applied entries leave memory as they do on a storage node: reads of them go to the disk.
    stableEntries: diskEntries(disk),
  });
  const machine = disk.snapshot ? options.restore(disk.snapshot.data) : options.empty();
  const skew = 1 + (random.next() - 0.5) * 0.2; // ±10%: inside the lease's drift allowance
  const snapshotIndex = disk.snapshot?.meta.index ?? 0;
  return { raft, machine, applied: snapshotIndex, ticksPerStep: STEPS_PER_TICK * skew, nextTickAt: options.now + random.int(STEPS_PER_TICK), lastCompacted: snapshotIndex, onDemandSnapshots };
}

/** Reads entries back from a replica's disk, as the host reads them from its storage engine. */
function diskEntries(disk: Disk): StableEntries {
  return {
    entry: (index) => {
      const first = disk.entries[0]?.index ?? Number.POSITIVE_INFINITY;
      const entry = disk.entries[index - first];
      if (entry?.index !== index) throw new Error(`persisted entry ${index} is not on the disk`);
      return entry;
    },
  };
}

/** What the simulation does with a synced ready: apply its entries, send its messages, answer reads. */
export interface SyncDriver<Machine> {
  restore(data: Uint8Array): Machine;
  /** Applies a committed entry the replica has not applied yet (`replica.applied` is already its index). */
  apply(entry: Entry): void;
  send(message: Message): void;
  readState(state: ReadState): void;
  /** Sometimes crashes the replica's node at `moment`; true if it did (the rest of the ready is lost). */
  buggify(moment: BuggifyMoment): boolean;
}

/**
 * Ticks the replica as often as its skewed clock says, completes a due sync, and starts the next;
 * a leader's appends and heartbeats go out as its sync starts (a crash may then lose its own copy).
 */
export function driveReplica<Machine extends SnapshotMachine>(replica: SimReplica<Machine>, now: number, diskLatency: () => number, finish: () => void, send: (message: Message) => void): void {
  while (now >= replica.nextTickAt) {
    replica.raft.tick();
    replica.nextTickAt += replica.ticksPerStep;
  }
  if (replica.syncing && now >= replica.syncing.doneAt) finish();
  // Between syncs the machine holds exactly the applied entries' state.
  if (!replica.syncing && replica.raft.wantsSnapshot()) replica.raft.provideSnapshot(replica.applied, replica.machine.snapshot());
  if (!replica.syncing && replica.raft.hasReady()) {
    const latency = diskLatency();
    replica.syncing = { ready: replica.raft.ready(), doneAt: now + latency };
    for (const message of earlyMessages(replica.syncing.ready)) send(message);
  }
}

/**
 * A ready's sync has completed: it is on disk. Committed entries are applied (and clients
 * answered) before the messages go out, then the replica compacts its log now and then, so that
 * lagging and new replicas need snapshots.
 */
export function finishSync<Machine extends SnapshotMachine>(replica: SimReplica<Machine>, disk: Disk, driver: SyncDriver<Machine>): void {
  const ready = (replica.syncing as { ready: Ready }).ready;
  replica.syncing = undefined;
  persist(replica, disk, ready, driver);
  if (ready.entries.length > 0 && replica.raft.role === 'leader' && driver.buggify('synced')) return;
  for (const entry of ready.committedEntries) {
    if (entry.index <= replica.applied) continue;
    replica.applied = entry.index;
    driver.apply(entry);
  }
  if (ready.committedEntries.length > 0 && replica.raft.role === 'leader' && driver.buggify('committed')) return;
  for (const message of lateMessages(ready)) driver.send(message);
  const votedNow = ready.messages.some((message) => message.type === 'voteResponse' && !message.reject);
  if (votedNow && driver.buggify('voted')) {
    replica.raft.advance(ready); // the vote is on disk; the node dies before answering reads
    return;
  }
  for (const state of ready.readStates) driver.readState(state);
  replica.raft.advance(ready);
  if (replica.applied - replica.lastCompacted >= COMPACT_EVERY_ENTRIES) compact(replica, disk);
}

function persist<Machine extends SnapshotMachine>(replica: SimReplica<Machine>, disk: Disk, ready: Ready, driver: SyncDriver<Machine>): void {
  if (ready.snapshot) {
    disk.snapshot = ready.snapshot;
    disk.entries = [];
    replica.machine = driver.restore(ready.snapshot.data);
    replica.applied = ready.snapshot.meta.index;
  }
  if (ready.entries.length > 0) {
    const first = (ready.entries[0] as Entry).index;
    disk.entries = disk.entries.filter((entry) => entry.index < first).concat(ready.entries);
  }
  // A hard state the core says needs no sync (only its commit index moved, past no
  // configuration entry) is written unsynced by the host, so a crash may lose it: the disk keeps
  // only the others, the worst case, and a restarted node learns its commit index again.
  if (ready.hardState && ready.mustSync) disk.hardState = ready.hardState;
}

function compact<Machine extends SnapshotMachine>(replica: SimReplica<Machine>, disk: Disk): void {
  const data = replica.machine.snapshot();
  // The disk keeps the state either way: for on-demand replicas it stands for the machine's own durable state.
  replica.raft.compact(replica.applied, replica.onDemandSnapshots ? undefined : data);
  disk.snapshot = { meta: { index: replica.applied, term: replica.raft.log.snapshotTerm, membership: replica.raft.membership }, data };
  disk.entries = disk.entries.filter((entry) => entry.index > replica.applied);
  replica.lastCompacted = replica.applied;
}

/**
 * Buggify: two replicas time out at the same moment, so that candidates compete in one term (split
 * votes), which is when a node that votes twice in a term lets two leaders be elected.
 */
export function splitVote(random: SeededRandom, live: readonly RaftNode[]): void {
  if (live.length < 2) return;
  const first = live[random.int(live.length)] as RaftNode;
  const others = live.filter((raft) => raft !== first);
  const second = others[random.int(others.length)] as RaftNode;
  for (const raft of [first, second]) {
    for (let i = 0; i < 30 && raft.role !== 'candidate' && raft.role !== 'preCandidate'; i++) raft.tick();
  }
}
