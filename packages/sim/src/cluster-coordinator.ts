import type { SeededRandom } from '@shoal/base';
import { NotLeaderError, ProposalDroppedError, type ConfigChange, type NodeId, type ReadState } from '@shoal/raft';
import { KEYS, moveInMap, splitInMap, tokenOf, type ClusterMap, type PartitionRange } from './cluster-map.js';
import { encodeCommand, RangeKvMachine, type RangeCommand } from './range-kv-machine.js';
import type { ClusterReplica, GroupId, StorageNodes } from './storage-nodes.js';

/**
 * The coordinator that changes the partition map under load: it SPLITS a partition P = [a, b) at
 * token m into P = [a, m) and a new child C = [m, b), and MOVES a replica of a partition from one
 * node to a spare one. One job at a time; each step of a job first checks whether it is done
 * already (the descriptor, the membership), so a step interrupted by a leader change or a crash
 * is simply retried. Steps are spaced by a simulated round trip, and sometimes by a long stall.
 *
 * Split, in order: freeze(m) on P (writes to [m, b) refused from now on), create C's group on P's
 * voters, copy P's [m, b) at P's leader after a ReadIndex and load it into C, finish(m) on P
 * (P shrinks to [a, m) and drops the moved keys), publish the map. P finishes BEFORE the map is
 * published: P still serves reads in the frozen range, and once routers can reach C, C takes
 * writes there, so a stale router reading [m, b) from P must already get wrongRange
 * (`publishBeforeFinish` shows the stale read otherwise).
 *
 * Move of P's replica from X to a spare node Y: add Y as a learner, wait until it has caught up
 * (by entries or a snapshot), promote it, transfer leadership away from X if X leads, remove X,
 * publish the map, destroy X's replica.
 */
export type ClusterVariant = 'correct' | 'splitWithoutFreeze' | 'publishBeforeFinish' | 'publishBeforeLoad';

type SplitStep = 'freeze' | 'create' | 'load' | 'finish' | 'publish';
type MoveStep = 'learner' | 'catchUp' | 'promote' | 'transfer' | 'remove' | 'publish' | 'destroy';

const SPLIT_STEPS: Record<ClusterVariant, SplitStep[]> = {
  correct: ['freeze', 'create', 'load', 'finish', 'publish'],
  // Copies while writes continue: writes to [m, b) after the copy are lost from C.
  splitWithoutFreeze: ['create', 'load', 'finish', 'publish'],
  // Publishes, then finishes: until P applies the finish, routers with the old map read P's frozen, outdated [m, b).
  publishBeforeFinish: ['freeze', 'create', 'load', 'publish', 'finish'],
  // C owns its range from creation and is published at once: it serves [m, b) empty, and ignores the load.
  publishBeforeLoad: ['freeze', 'create', 'publish', 'load', 'finish'],
};
const MOVE_STEPS: MoveStep[] = ['learner', 'catchUp', 'promote', 'transfer', 'remove', 'publish', 'destroy'];
const MAX_PARTITIONS = 5;
/** A proposal not seen applied after this long (a lost entry) is made again. */
const REPROPOSE_STEPS = 300;

interface Job {
  steps: string[];
  step: number;
  /** The last proposal, so that one is not repeated every round trip while it commits. */
  proposal?: { node: NodeId; term: number; at: number };
}

interface SplitJob extends Job {
  kind: 'split';
  parent: GroupId;
  child: GroupId;
  at: number;
  end: number;
  replicas: NodeId[];
  copy?: { node: NodeId; requestId: number; startedAt: number; readIndex?: number; entries?: [string, string][] };
}

interface MoveJob extends Job {
  kind: 'move';
  group: GroupId;
  from: NodeId;
  to: NodeId;
  catchUpTo?: number;
}

export class Coordinator {
  splits = 0;
  moves = 0;
  private job: SplitJob | MoveJob | undefined;
  private nextActAt = 0;

  constructor(
    private readonly random: SeededRandom,
    private readonly nodes: StorageNodes,
    private readonly nodeIds: readonly NodeId[],
    private readonly variant: ClusterVariant,
    private map: ClusterMap,
  ) {}

  /** The authoritative partition map. */
  published(): ClusterMap {
    return this.map;
  }

  busy(): boolean {
    return this.job !== undefined;
  }

  /** Why the cluster is not settled: a job still running after the quiet phase. */
  unfinished(): string | undefined {
    if (!this.job) return undefined;
    const what = this.job.kind === 'split' ? `split of ${this.job.parent} at ${this.job.at}` : `move of ${this.job.group} from ${this.job.from} to ${this.job.to}`;
    return `liveness: ${what} stuck at step ${this.job.steps[this.job.step]}`;
  }

  /** Under load, now and then: start a split or a move. */
  maybeStart(): void {
    if (this.job || !this.random.chance(1 / 300)) return;
    if (this.map.partitions.length < MAX_PARTITIONS && this.random.chance(0.5)) this.startSplit();
    else this.startMove();
  }

  /** Advances the running job by one step, a round trip after the last. */
  act(): void {
    const now = this.nodes.world.now;
    if (!this.job || now < this.nextActAt) return;
    this.nextActAt = now + 10 + this.random.int(30);
    const job = this.job;
    const done = job.kind === 'split' ? this.splitStep(job, job.steps[job.step] as SplitStep) : this.moveStep(job, job.steps[job.step] as MoveStep);
    if (!done) return;
    job.step++;
    job.proposal = undefined;
    // Buggify: the coordinator sometimes stalls after a step (a pause, a failover to another
    // coordinator), holding the state between two steps open long enough for stale routers to
    // run into it.
    if (this.nodes.world.faultsOn && this.random.chance(0.2)) this.nextActAt += this.random.int(1000);
    if (job.step < job.steps.length) return;
    this.job = undefined;
    if (job.kind === 'split') this.splits++;
    else this.moves++;
  }

  /** The ReadIndex of a split's copy came back. */
  readState(node: NodeId, group: GroupId, state: ReadState): void {
    const copy = this.job?.kind === 'split' && this.job.parent === group ? this.job.copy : undefined;
    if (copy && copy.node === node && copy.requestId === state.requestId) copy.readIndex = state.index;
  }

  private startSplit(): void {
    const parent = this.map.partitions[this.random.int(this.map.partitions.length)] as PartitionRange;
    // Split at a key's token, so that the key (and any above it) moves to the child.
    const tokens = KEYS.map(tokenOf).filter((token) => parent.start < token && token < parent.end);
    const at = tokens.length > 0 ? (tokens[this.random.int(tokens.length)] as number) : Math.floor((parent.start + parent.end) / 2);
    if (at <= parent.start) return;
    const child = Math.max(...this.nodes.groups(), ...this.map.partitions.map((partition) => partition.id)) + 1;
    this.nodes.defineGroup(child, RangeKvMachine.empty(this.variant === 'publishBeforeLoad' ? { start: at, end: parent.end } : undefined));
    this.job = { kind: 'split', parent: parent.id, child, at, end: parent.end, replicas: [...parent.replicas], steps: SPLIT_STEPS[this.variant], step: 0 };
  }

  private startMove(): void {
    const partition = this.map.partitions[this.random.int(this.map.partitions.length)] as PartitionRange;
    const spares = this.nodeIds.filter((node) => !partition.replicas.includes(node));
    if (spares.length === 0) return;
    const from = partition.replicas[this.random.int(partition.replicas.length)] as NodeId;
    const to = spares[this.random.int(spares.length)] as NodeId;
    this.job = { kind: 'move', group: partition.id, from, to, steps: MOVE_STEPS, step: 0 };
  }

  /** One split step; true once it is done (checked on the replicas' applied state, so retries are safe). */
  private splitStep(job: SplitJob, step: SplitStep): boolean {
    switch (step) {
      case 'freeze': {
        const descriptor = this.nodes.leaderOf(job.parent)?.replica.machine.descriptor;
        if (descriptor?.frozenFrom === job.at) return true;
        return this.propose(job, job.parent, { kind: 'freeze', at: job.at });
      }
      case 'create':
        return job.replicas.map((node) => this.nodes.create(node, job.child, { voters: job.replicas, learners: [] })).every(Boolean);
      case 'load':
        return this.load(job);
      case 'finish': {
        const descriptor = this.nodes.leaderOf(job.parent)?.replica.machine.descriptor;
        if (descriptor?.end === job.at) return true;
        return this.propose(job, job.parent, { kind: 'finish', at: job.at });
      }
      case 'publish':
        this.map = splitInMap(this.map, job.parent, job.at, job.child);
        return true;
    }
  }

  /** Copies P's [m, b) at P's leader after a ReadIndex, and proposes it to C until C has its range. */
  private load(job: SplitJob): boolean {
    if (this.nodes.leaderOf(job.child)?.replica.machine.descriptor) return true;
    const now = this.nodes.world.now;
    if (job.copy && job.copy.entries === undefined && now - job.copy.startedAt > REPROPOSE_STEPS) job.copy = undefined; // the read was lost
    if (!job.copy) {
      const leader = this.nodes.leaderOf(job.parent);
      if (!leader) return false;
      const requestId = this.nodes.nextRequestId();
      if (!this.attempt(() => leader.replica.raft.readIndex(requestId))) return false;
      job.copy = { node: leader.node, requestId, startedAt: now };
      return false;
    }
    if (job.copy.entries === undefined) {
      const replica = this.nodes.replica(job.copy.node, job.parent);
      if (job.copy.readIndex === undefined || !replica || replica.applied < job.copy.readIndex) return false;
      job.copy.entries = replica.machine.entriesIn(job.at, job.end);
    }
    return this.propose(job, job.child, { kind: 'load', range: { start: job.at, end: job.end }, entries: job.copy.entries });
  }

  /** One move step; true once it is done (checked on the leader's committed membership). */
  private moveStep(job: MoveJob, step: MoveStep): boolean {
    const leader = this.nodes.leaderOf(job.group);
    if (step === 'publish') {
      this.map = moveInMap(this.map, job.group, job.from, job.to);
      return true;
    }
    if (step === 'destroy') {
      this.nodes.destroy(job.from, job.group);
      return true;
    }
    if (!leader) return false;
    const { voters, learners } = leader.replica.raft.membership;
    switch (step) {
      case 'learner':
        if (voters.includes(job.to) || learners.includes(job.to)) return true;
        if (!this.nodes.create(job.to, job.group, { voters, learners: [...learners, job.to] })) return false;
        return this.changeMembership(job, leader, { kind: 'addLearner', node: job.to });
      case 'catchUp': {
        // Caught up: applied what the leader had committed when the wait began (under load, the
        // leader's commit index moves on all the time).
        job.catchUpTo ??= leader.replica.raft.log.committed;
        const learner = this.nodes.replica(job.to, job.group);
        return learner !== undefined && learner.applied >= job.catchUpTo;
      }
      case 'promote':
        if (voters.includes(job.to)) return true;
        return this.changeMembership(job, leader, { kind: 'promote', node: job.to });
      case 'transfer':
      case 'remove':
        if (!voters.includes(job.from) && !learners.includes(job.from)) return true;
        if (leader.node === job.from) {
          leader.replica.raft.transferLeadership(job.to);
          return false;
        }
        return step === 'transfer' || this.changeMembership(job, leader, { kind: 'remove', node: job.from });
    }
  }

  /** Proposes `command` to the group's leader unless the same leader got it recently; never done by itself. */
  private propose(job: Job, group: GroupId, command: RangeCommand): false {
    const leader = this.nodes.leaderOf(group);
    if (!leader || this.proposedRecently(job, leader)) return false;
    if (this.attempt(() => leader.replica.raft.propose(encodeCommand(command)))) job.proposal = { node: leader.node, term: leader.replica.raft.term, at: this.nodes.world.now };
    return false;
  }

  private changeMembership(job: Job, leader: { node: NodeId; replica: ClusterReplica }, change: ConfigChange): false {
    if (this.proposedRecently(job, leader)) return false;
    if (this.attempt(() => leader.replica.raft.proposeConfigChange(change))) job.proposal = { node: leader.node, term: leader.replica.raft.term, at: this.nodes.world.now };
    return false;
  }

  private proposedRecently(job: Job, leader: { node: NodeId; replica: ClusterReplica }): boolean {
    const last = job.proposal;
    return last !== undefined && last.node === leader.node && last.term === leader.replica.raft.term && this.nodes.world.now - last.at < REPROPOSE_STEPS;
  }

  /** Runs a request to a leader; false when it was refused (not the leader any more, a change pending). */
  private attempt(request: () => unknown): boolean {
    try {
      request();
      return true;
    } catch (error) {
      if (error instanceof NotLeaderError || error instanceof ProposalDroppedError) return false;
      throw error;
    }
  }
}
