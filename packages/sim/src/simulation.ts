import { AssertionError, SeededRandom } from '@shoal/base';
import type { KvInput } from '@shoal/linearizability';
import { NotLeaderError, ProposalDroppedError, type Entry, type Message, type NodeId } from '@shoal/raft';
import { KvStateMachine, type KvCommand } from './kv-state-machine.js';
import { ClientHistory, groupLiveness, StateMachineSafety, type CheckedHistory } from './sim-checks.js';
import { bootReplica, driveReplica, finishSync, splitVote, type Disk, type SimReplica } from './sim-replica.js';
import { SimWorld } from './sim-world.js';

/**
 * One seeded run: three Raft nodes on a simulated clock and network, clients issuing a key-value
 * workload through the leaders, and faults: message loss, duplication, reordering and delay,
 * symmetric and one-way partitions, crashes that lose unsynced writes, slow disks and clock
 * skew. The clients' history is then checked for linearizability. Same seed, same run.
 */
export type Variant = 'correct' | 'commitPreviousTerm' | 'readWithoutReadIndex' | 'forgetVote';

export interface SimulationOptions {
  variant: Variant;
  /** Simulated steps with faults and client load; a quiet phase follows. */
  steps: number;
  /** Raft nodes (default: each seed picks 3, as a partition's group has, or 5, as in Figure 8). */
  nodes?: number;
  /** Random membership changes and leadership transfers (default: when pre-vote or check-quorum is on). */
  membershipChanges?: boolean;
}

/** The checks' outcome (operations checked, violation, verdict, detail) and what the run did. */
export interface SimulationResult extends CheckedHistory {
  seed: number;
  /** Membership changes the leaders accepted (each also committed unless a fault intervened). */
  membershipChanges: number;
}

const CLIENTS = 12;
const KEYS = ['x', 'y'];
const QUIET_STEPS = 3000;
const CLIENT_TIMEOUT_STEPS = 1500;

type SimNode = SimReplica<KvStateMachine>;

interface PendingWrite {
  client: number;
  op: number;
  node: NodeId;
  index: number;
  history: number;
  deadline: number;
}

interface PendingRead {
  client: number;
  node: NodeId;
  requestId: number;
  key: string;
  call: number;
  readIndex?: number;
  deadline: number;
}

export function runSimulation(seed: number, options: SimulationOptions): SimulationResult {
  const random = new SeededRandom(seed);
  // Each seed runs one of the safe configurations, so that the search covers all of them.
  const preVote = random.chance(0.5);
  const checkQuorum = random.chance(0.5);
  const INITIAL_VOTERS: NodeId[] = Array.from({ length: options.nodes ?? (random.chance(0.5) ? 3 : 5) }, (_, i) => i + 1);
  // Membership changes (a spare node added as a learner, promoted, a voter removed, leadership
  // transferred) need pre-vote or check-quorum, as in production: without either, a removed node
  // that missed its removal disrupts the cluster with ever higher terms (Raft thesis §4.2.3).
  const membershipChanges = options.membershipChanges ?? (preVote || checkQuorum);
  const NODES: NodeId[] = membershipChanges ? [...INITIAL_VOTERS, INITIAL_VOTERS.length + 1] : INITIAL_VOTERS;
  const changes = new SeededRandom(seed * 7919 + 17);
  const storms = new SeededRandom(seed * 104729 + 5);
  const disks = new Map<NodeId, Disk>(NODES.map((id) => [id, { entries: [] }]));
  const nodes = new Map<NodeId, SimNode>();
  const history = new ClientHistory();
  const safety = new StateMachineSafety();
  const pendingWrites: PendingWrite[] = [];
  const pendingReads: PendingRead[] = [];
  const busy = new Set<number>();
  const leaderGuess = new Map<number, NodeId>();
  let nextOp = 1;
  let membershipOps = 0;
  let invariantViolation: string | undefined;

  /** A crash loses the node's unsynced writes, and its clients stop waiting on it. */
  const crashed = (id: NodeId) => {
    (nodes.get(id) as SimNode).syncing = undefined;
    for (const write of pendingWrites.filter((candidate) => candidate.node === id)) busy.delete(write.client);
    pendingWrites.splice(0, pendingWrites.length, ...pendingWrites.filter((candidate) => candidate.node !== id));
    for (const read of pendingReads.filter((candidate) => candidate.node === id)) busy.delete(read.client);
    pendingReads.splice(0, pendingReads.length, ...pendingReads.filter((candidate) => candidate.node !== id));
  };
  const world = new SimWorld<Message>(random, NODES, Math.floor((NODES.length - 1) / 2), crashed);

  const boot = (id: NodeId): SimNode =>
    bootReplica({
      id,
      disk: disks.get(id) as Disk,
      membership: { voters: INITIAL_VOTERS, learners: [] },
      now: world.now,
      raftSeed: seed * 31 + id + world.now,
      random,
      preVote,
      checkQuorum,
      forgetVote: options.variant === 'forgetVote',
      commitPreviousTerm: options.variant === 'commitPreviousTerm',
      restore: (data) => KvStateMachine.restore(data),
      empty: () => new KvStateMachine(),
    });
  for (const id of NODES) nodes.set(id, boot(id));

  const applyEntry = (id: NodeId, node: SimNode, entry: Entry) => {
    safety.applied(id, entry.index, entry.term);
    if (entry.type !== 'normal' || !entry.data) return;
    const command = JSON.parse(new TextDecoder().decode(entry.data)) as KvCommand;
    const output = node.machine.apply(command.input);
    history.applied(command.op, output);
    const pending = pendingWrites.findIndex((write) => write.node === id && write.index === entry.index);
    if (pending === -1) return;
    const write = pendingWrites[pending] as PendingWrite;
    pendingWrites.splice(pending, 1);
    busy.delete(write.client);
    // Another entry took the index: ours was overwritten and never took effect.
    if (write.op === command.op) history.complete(write.history, output, world.now);
    else history.discard(write.history);
  };

  const finish = (id: NodeId, node: SimNode) =>
    finishSync(node, disks.get(id) as Disk, {
      restore: (data) => KvStateMachine.restore(data),
      apply: (entry) => applyEntry(id, node, entry),
      send: (message) => world.send(message.from, message.to, message),
      readState: (state) => {
        const read = pendingReads.find((candidate) => candidate.node === id && candidate.requestId === state.requestId);
        if (read) read.readIndex = state.index;
      },
      buggify: (moment) => world.buggify(id, moment),
    });

  const liveLeaders = () => NODES.filter((id) => !world.down.has(id) && (nodes.get(id) as SimNode).raft.role === 'leader');

  const changeMembership = () => {
    const leaderId = liveLeaders()[0];
    if (leaderId === undefined) return;
    const raft = (nodes.get(leaderId) as SimNode).raft;
    const { voters, learners } = raft.membership;
    try {
      if (changes.chance(0.25)) {
        const others = voters.filter((voter) => voter !== leaderId);
        if (others.length > 0) raft.transferLeadership(others[changes.int(others.length)] as NodeId);
        return;
      }
      const outsider = NODES.find((id) => !voters.includes(id) && !learners.includes(id));
      if (learners.length > 0) raft.proposeConfigChange({ kind: 'promote', node: learners[0] as NodeId });
      else if (outsider !== undefined) raft.proposeConfigChange({ kind: 'addLearner', node: outsider });
      else raft.proposeConfigChange({ kind: 'remove', node: voters[changes.int(voters.length)] as NodeId });
      membershipOps++;
    } catch (error) {
      if (!(error instanceof ProposalDroppedError || error instanceof NotLeaderError)) throw error;
    }
  };

  const issueClientOps = () => {
    const now = world.now;
    for (let client = 1; client <= CLIENTS; client++) {
      if (busy.has(client) || !random.chance(0.05)) continue;
      const id = leaderGuess.get(client) ?? (NODES[random.int(NODES.length)] as NodeId);
      const node = nodes.get(id) as SimNode;
      if (world.down.has(id)) {
        leaderGuess.delete(client);
        continue;
      }
      const key = KEYS[random.int(KEYS.length)] as string;
      const kind = random.int(10);
      try {
        if (kind < 4) {
          if (options.variant === 'readWithoutReadIndex') {
            if (node.raft.role !== 'leader') throw new NotLeaderError(node.raft.leader);
            history.read(client, key, now, now, node.machine.read(key));
            continue;
          }
          const requestId = nextOp++;
          // Half the reads try the leader's lease first (no message round), the rest use ReadIndex.
          const leaseIndex = random.chance(0.5) ? node.raft.leaseRead() : undefined;
          if (leaseIndex !== undefined) pendingReads.push({ client, node: id, requestId, key, call: now, readIndex: leaseIndex, deadline: now + CLIENT_TIMEOUT_STEPS });
          else {
            node.raft.readIndex(requestId);
            pendingReads.push({ client, node: id, requestId, key, call: now, deadline: now + CLIENT_TIMEOUT_STEPS });
          }
          busy.add(client);
        } else {
          const op = nextOp++;
          const value = `v${op}`;
          const input: KvInput = kind < 8 ? { op: 'put', key, value } : { op: 'cas', key, expected: random.chance(0.5) ? undefined : `v${random.int(op)}`, value };
          const index = node.raft.propose(new TextEncoder().encode(JSON.stringify({ client, op, input } satisfies KvCommand)));
          pendingWrites.push({ client, op, node: id, index, history: history.callWrite(client, op, input, now), deadline: now + CLIENT_TIMEOUT_STEPS });
          busy.add(client);
        }
      } catch (error) {
        if (error instanceof ProposalDroppedError) continue; // refused (a transfer in progress): try later
        if (!(error instanceof NotLeaderError)) throw error;
        if (error.leader !== 0) leaderGuess.set(client, error.leader);
        else leaderGuess.delete(client);
      }
    }
  };

  /** Reads complete once their node has applied up to the read index; requests time out. */
  const answerClients = () => {
    const now = world.now;
    for (let i = pendingReads.length - 1; i >= 0; i--) {
      const read = pendingReads[i] as PendingRead;
      const node = nodes.get(read.node) as SimNode;
      if (read.readIndex !== undefined && node.applied >= read.readIndex) {
        history.read(read.client, read.key, read.call, now, node.machine.read(read.key));
        pendingReads.splice(i, 1);
        busy.delete(read.client);
      } else if (now > read.deadline) {
        pendingReads.splice(i, 1); // a read that never answered had no effect
        busy.delete(read.client);
      }
    }
    for (let i = pendingWrites.length - 1; i >= 0; i--) {
      const write = pendingWrites[i] as PendingWrite;
      if (now > write.deadline) {
        pendingWrites.splice(i, 1); // outcome unknown: it stays in the history with return = Infinity
        busy.delete(write.client);
      }
    }
  };

  const step = (withFaults: boolean) => {
    world.now++;
    for (const id of world.restarts()) nodes.set(id, boot(id));
    if (withFaults && random.chance(1 / 100)) world.injectFault(liveLeaders());
    if (withFaults && membershipChanges && changes.chance(1 / 250)) changeMembership();
    if (withFaults && storms.chance(1 / 400)) splitVote(storms, NODES.filter((id) => !world.down.has(id)).map((id) => (nodes.get(id) as SimNode).raft));
    world.deliver((to, message) => (nodes.get(to) as SimNode).raft.step(structuredClone(message)));
    for (const [id, node] of nodes) {
      if (!world.down.has(id)) driveReplica(node, world.now, () => world.diskLatency(id), () => finish(id, node), (message) => world.send(message.from, message.to, message));
    }
    answerClients();
    if (withFaults) issueClientOps();
  };

  try {
    for (let i = 0; i < options.steps; i++) step(true);
    world.calm();
    for (let i = 0; i < QUIET_STEPS; i++) step(false);
  } catch (error) {
    // A Raft invariant assertion (say, a follower holding a committed entry the leader lacks)
    // is the simulator catching a bug, like a failed linearizability check.
    if (!(error instanceof AssertionError)) throw error;
    invariantViolation = `invariant broken at step ${world.now}: ${error.message}`;
  }
  invariantViolation = safety.violation ?? invariantViolation ?? groupLiveness([...nodes.values()]);
  return { seed, membershipChanges: membershipOps, ...history.check(invariantViolation) };
}
