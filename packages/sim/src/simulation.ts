import { AssertionError, SeededRandom } from '@shoal/base';
import { checkOperations, kvModel, renderHistory, type KvInput, type KvOutput, type Operation } from '@shoal/linearizability';
import { NotLeaderError, ProposalDroppedError, RaftNode, type Entry, type HardState, type Message, type NodeId, type Ready, type Snapshot } from '@shoal/raft';
import { KvStateMachine, type KvCommand } from './kv-state-machine.js';

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

export interface SimulationResult {
  seed: number;
  operations: number;
  /** Membership changes the leaders accepted (each also committed unless a fault intervened). */
  membershipChanges: number;
  violation: boolean;
  verdict: 'ok' | 'illegal' | 'unknown';
  detail?: string;
}

const CLIENTS = 12;
const KEYS = ['x', 'y'];
/** Steps per Raft tick on a node without skew; skew stays within the lease's drift allowance. */
const STEPS_PER_TICK = 10;
const QUIET_STEPS = 3000;
const CLIENT_TIMEOUT_STEPS = 1500;
const COMPACT_EVERY_ENTRIES = 40;

interface Disk {
  hardState?: HardState;
  entries: Entry[];
  snapshot?: Snapshot;
}

interface SimNode {
  raft: RaftNode;
  machine: KvStateMachine;
  applied: number;
  /** A ready being synced: it completes at `doneAt` unless the node crashes first. */
  syncing?: { ready: Ready; doneAt: number };
  ticksPerStep: number;
  nextTickAt: number;
  lastCompacted: number;
}

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
  const down = new Map<NodeId, number>(); // node -> restart step
  const network: { at: number; message: Message }[] = [];
  const blocked = new Set<string>();
  const history: Operation<KvInput, KvOutput>[] = [];
  const pendingWrites: PendingWrite[] = [];
  const pendingReads: PendingRead[] = [];
  const busy = new Set<number>();
  const leaderGuess = new Map<number, NodeId>();
  let dropRate = 0.02;
  let slowDisk: NodeId | undefined;
  let nextOp = 1;
  let now = 0;
  let faultsOn = true;
  const appliedTerms = new Map<number, number>();
  let membershipOps = 0;
  let invariantViolation: string | undefined;
  /** The first output each write op produced when applied, and the op of each write call. */
  const appliedOutputs = new Map<number, KvOutput>();
  const writeOps = new Map<number, number>();

  const boot = (id: NodeId): SimNode => {
    const disk = disks.get(id) as Disk;
    const hardState = disk.hardState && options.variant === 'forgetVote' ? { ...disk.hardState, vote: 0 } : disk.hardState;
    const raft = new RaftNode({
      id,
      membership: { voters: INITIAL_VOTERS, learners: [] },
      electionTick: 10,
      heartbeatTick: 2,
      random: new SeededRandom(seed * 31 + id + now),
      maxInflight: 8,
      preVote,
      checkQuorum,
      // Small, varied batches make partial acknowledgements (and so the commit rule) matter.
      maxEntriesPerMessage: 1 + random.int(4),
      ...(hardState ? { hardState } : {}),
      entries: disk.entries,
      ...(disk.snapshot ? { snapshot: disk.snapshot.meta, snapshotData: disk.snapshot.data, applied: disk.snapshot.meta.index } : {}),
      ...(options.variant === 'commitPreviousTerm' ? { unsafeCommitPreviousTermForTesting: true } : {}),
    });
    const machine = disk.snapshot ? KvStateMachine.restore(disk.snapshot.data) : new KvStateMachine();
    const skew = 1 + (random.next() - 0.5) * 0.2; // ±10%: inside the lease's drift allowance
    return { raft, machine, applied: disk.snapshot?.meta.index ?? 0, ticksPerStep: STEPS_PER_TICK * skew, nextTickAt: now + random.int(STEPS_PER_TICK), lastCompacted: disk.snapshot?.meta.index ?? 0 };
  };
  for (const id of NODES) nodes.set(id, boot(id));

  const send = (message: Message) => {
    if (blocked.has(`${message.from}-${message.to}`) || random.chance(dropRate)) return;
    network.push({ at: now + 1 + random.int(20), message });
    if (random.chance(0.02)) network.push({ at: now + 1 + random.int(40), message });
  };

  const finishSync = (id: NodeId, node: SimNode) => {
    const ready = (node.syncing as { ready: Ready }).ready;
    node.syncing = undefined;
    const disk = disks.get(id) as Disk;
    if (ready.snapshot) {
      disk.snapshot = ready.snapshot;
      disk.entries = [];
      node.machine = KvStateMachine.restore(ready.snapshot.data);
      node.applied = ready.snapshot.meta.index;
    }
    if (ready.entries.length > 0) {
      const first = (ready.entries[0] as Entry).index;
      disk.entries = disk.entries.filter((entry) => entry.index < first).concat(ready.entries);
    }
    if (ready.hardState) disk.hardState = ready.hardState;
    // Buggify: a leader sometimes dies after syncing new entries but before sending them, leaving
    // entries of a newer term on one node alone (the Raft paper's Figure 8 setting).
    if (ready.entries.length > 0 && node.raft.role === 'leader' && faultsOn && down.size < Math.floor((NODES.length - 1) / 2) && random.chance(0.05)) {
      crash(id, now + 100 + random.int(400));
      return;
    }
    // Committed entries are applied (and clients answered) before the messages go out.
    for (const entry of ready.committedEntries) applyEntry(id, node, entry);
    // Buggify: a leader sometimes crashes right after it commits and answers its clients, before
    // the rest of its pipeline is sent: the window in which a wrongly committed entry gets lost.
    if (ready.committedEntries.length > 0 && node.raft.role === 'leader' && faultsOn && down.size < Math.floor((NODES.length - 1) / 2) && random.chance(0.1)) {
      crash(id, now + 20 + random.int(200));
      return;
    }
    for (const message of ready.messages) send(message);
    // Buggify: a node that just granted a vote sometimes crashes at once and comes back soon,
    // which is when a node that forgets its vote would vote twice in one term.
    const votedNow = ready.messages.some((message) => message.type === 'voteResponse' && !message.reject);
    if (votedNow && faultsOn && !down.has(id) && random.chance(0.3)) {
      node.raft.advance(ready);
      crash(id, now + 5 + random.int(40));
      return;
    }
    for (const state of ready.readStates) {
      const read = pendingReads.find((candidate) => candidate.node === id && candidate.requestId === state.requestId);
      if (read) read.readIndex = state.index;
    }
    node.raft.advance(ready);
    if (node.applied - node.lastCompacted >= COMPACT_EVERY_ENTRIES) {
      node.raft.compact(node.applied, node.machine.snapshot());
      disk.snapshot = { meta: { index: node.applied, term: node.raft.log.snapshotTerm, membership: node.raft.membership }, data: node.machine.snapshot() };
      disk.entries = disk.entries.filter((entry) => entry.index > node.applied);
      node.lastCompacted = node.applied;
    }
  };

  const applyEntry = (id: NodeId, node: SimNode, entry: Entry) => {
    if (entry.index <= node.applied) return;
    node.applied = entry.index;
    // State machine safety (Raft paper, Figure 3): every node applies the same entry at an index.
    const first = appliedTerms.get(entry.index);
    if (first === undefined) appliedTerms.set(entry.index, entry.term);
    else if (first !== entry.term && !invariantViolation) {
      invariantViolation = `state machine safety: node ${id} applied index ${entry.index} from term ${entry.term}, another node applied it from term ${first}`;
    }
    if (entry.type !== 'normal' || !entry.data) return;
    const command = JSON.parse(new TextDecoder().decode(entry.data)) as KvCommand;
    const output = node.machine.apply(command.input);
    if (!appliedOutputs.has(command.op)) appliedOutputs.set(command.op, output);
    const pending = pendingWrites.findIndex((write) => write.node === id && write.index === entry.index);
    if (pending === -1) return;
    const write = pendingWrites[pending] as PendingWrite;
    pendingWrites.splice(pending, 1);
    busy.delete(write.client);
    if (write.op === command.op) {
      const operation = history[write.history] as Operation<KvInput, KvOutput>;
      operation.return = now;
      operation.output = output;
    } else {
      // Another entry took the index: ours was overwritten and never took effect.
      history[write.history] = { ...(history[write.history] as Operation<KvInput, KvOutput>), clientId: -1 };
    }
  };

  const crash = (id: NodeId, restartAt: number) => {
    const node = nodes.get(id) as SimNode;
    node.syncing = undefined; // unsynced writes are lost
    down.set(id, restartAt);
    for (const write of pendingWrites.filter((candidate) => candidate.node === id)) busy.delete(write.client);
    pendingWrites.splice(0, pendingWrites.length, ...pendingWrites.filter((candidate) => candidate.node !== id));
    for (const read of pendingReads.filter((candidate) => candidate.node === id)) busy.delete(read.client);
    pendingReads.splice(0, pendingReads.length, ...pendingReads.filter((candidate) => candidate.node !== id));
  };

  const injectFault = () => {
    const roll = random.int(10);
    // Like Jepsen's nemeses, faults favour the current leader, where they do the most damage.
    const leaders = NODES.filter((id) => !down.has(id) && (nodes.get(id) as SimNode).raft.role === 'leader');
    const target = (leaders.length > 0 && random.chance(0.5) ? leaders[random.int(leaders.length)] : NODES[random.int(NODES.length)]) as NodeId;
    if (roll < 3) {
      blocked.clear();
      for (const other of NODES) {
        if (other === target) continue;
        blocked.add(`${target}-${other}`);
        if (roll !== 2) blocked.add(`${other}-${target}`); // roll 2: one-way partition
      }
    } else if (roll < 5) {
      blocked.clear();
    } else if (roll < 7 && down.size < Math.floor((NODES.length - 1) / 2)) {
      crash(target, now + 50 + random.int(400));
    } else if (roll < 8) {
      dropRate = random.chance(0.5) ? 0.2 : 0.02;
    } else {
      slowDisk = random.chance(0.5) ? target : undefined;
    }
  };

  // Buggify: two nodes time out at the same moment, so that candidates compete in one term (split
  // votes), which is when a node that votes twice in a term lets two leaders be elected.
  const splitVote = () => {
    const live = NODES.filter((id) => !down.has(id));
    if (live.length < 2) return;
    const first = live[storms.int(live.length)] as NodeId;
    const others = live.filter((id) => id !== first);
    const second = others[storms.int(others.length)] as NodeId;
    for (const id of [first, second]) {
      const raft = (nodes.get(id) as SimNode).raft;
      for (let i = 0; i < 30 && raft.role !== 'candidate' && raft.role !== 'preCandidate'; i++) raft.tick();
    }
  };

  const changeMembership = () => {
    const leaderId = NODES.find((id) => !down.has(id) && (nodes.get(id) as SimNode).raft.role === 'leader');
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
    for (let client = 1; client <= CLIENTS; client++) {
      if (busy.has(client) || !random.chance(0.05)) continue;
      const id = leaderGuess.get(client) ?? (NODES[random.int(NODES.length)] as NodeId);
      const node = nodes.get(id) as SimNode;
      if (down.has(id)) {
        leaderGuess.delete(client);
        continue;
      }
      const key = KEYS[random.int(KEYS.length)] as string;
      const kind = random.int(10);
      try {
        if (kind < 4) {
          if (options.variant === 'readWithoutReadIndex') {
            if (node.raft.role !== 'leader') throw new NotLeaderError(node.raft.leader);
            history.push({ clientId: client, input: { op: 'get', key }, call: now, return: now, output: { value: node.machine.read(key) } });
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
          history.push({ clientId: client, input, call: now, return: Infinity });
          writeOps.set(history.length - 1, op);
          pendingWrites.push({ client, op, node: id, index, history: history.length - 1, deadline: now + CLIENT_TIMEOUT_STEPS });
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

  const step = (withFaults: boolean) => {
    now++;
    for (const [id, restartAt] of down) {
      if (now >= restartAt) {
        down.delete(id);
        nodes.set(id, boot(id));
      }
    }
    if (withFaults && random.chance(1 / 100)) injectFault();
    if (withFaults && membershipChanges && changes.chance(1 / 250)) changeMembership();
    if (withFaults && storms.chance(1 / 400)) splitVote();
    // Deliver due messages in a seeded order (reordering comes from the random delays).
    for (let i = network.length - 1; i >= 0; i--) {
      const pending = network[i] as { at: number; message: Message };
      if (pending.at > now) continue;
      network.splice(i, 1);
      if (down.has(pending.message.to)) continue;
      (nodes.get(pending.message.to) as SimNode).raft.step(structuredClone(pending.message));
    }
    for (const [id, node] of nodes) {
      if (down.has(id)) continue;
      while (now >= node.nextTickAt) {
        node.raft.tick();
        node.nextTickAt += node.ticksPerStep;
      }
      if (node.syncing && now >= node.syncing.doneAt) finishSync(id, node);
      if (!node.syncing && node.raft.hasReady()) {
        const latency = 1 + random.int(slowDisk === id ? 40 : 4);
        node.syncing = { ready: node.raft.ready(), doneAt: now + latency };
      }
    }
    // Reads complete once their node has applied up to the read index.
    for (let i = pendingReads.length - 1; i >= 0; i--) {
      const read = pendingReads[i] as PendingRead;
      const node = nodes.get(read.node) as SimNode;
      if (read.readIndex !== undefined && node.applied >= read.readIndex) {
        history.push({ clientId: read.client, input: { op: 'get', key: read.key }, call: read.call, return: now, output: { value: node.machine.read(read.key) } });
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
    if (withFaults) issueClientOps();
  };

  try {
    for (let i = 0; i < options.steps; i++) step(true);
    faultsOn = false;
    blocked.clear();
    dropRate = 0;
    slowDisk = undefined;
    for (const id of [...down.keys()]) down.set(id, now + 1);
    for (let i = 0; i < QUIET_STEPS; i++) step(false);
  } catch (error) {
    // A Raft invariant assertion (say, a follower holding a committed entry the leader lacks)
    // is the simulator catching a bug, like a failed linearizability check.
    if (!(error instanceof AssertionError)) throw error;
    invariantViolation ??= `invariant broken at step ${now}: ${error.message}`;
  }

  // A write whose client never heard back either took effect (it is in the applied log: its
  // output is known, its return time stays unknown) or never did (it is dropped). Knowing this,
  // as only a simulator can, keeps the checker's search small without hiding any violation.
  // Liveness: after the quiet phase (every node up, no faults) one leader has replicated and
  // applied its whole log everywhere. A leader that stops replicating to a recovered follower
  // (say, with a pipeline full of lost messages) fails here.
  if (invariantViolation === undefined) {
    const live = [...nodes.values()];
    const leaders = live.filter((node) => node.raft.role === 'leader');
    const leader = leaders[0];
    if (leaders.length !== 1 || !leader) invariantViolation = `liveness: ${leaders.length} leaders after the quiet phase`;
    else {
      const { voters, learners } = leader.raft.membership;
      const members = live.filter((node) => voters.includes(node.raft.id) || learners.includes(node.raft.id));
      const behind = members.filter((node) => node.applied < leader.raft.log.committed || node.raft.log.committed < leader.raft.log.committed);
      if (behind.length > 0) invariantViolation = `liveness: nodes ${behind.map((node) => node.raft.id).join(', ')} stuck behind the leader's commit ${leader.raft.log.committed}`;
    }
  }

  const recorded = history.flatMap((operation, index) => {
    if (operation.clientId === -1) return [];
    if (operation.return !== Infinity) return [operation];
    const output = appliedOutputs.get(writeOps.get(index) as number);
    return output === undefined ? [] : [{ ...operation, output }];
  });
  const check = checkOperations(kvModel, recorded, { stepsMax: 2_000_000 });
  return {
    seed,
    operations: recorded.length,
    membershipChanges: membershipOps,
    violation: check.result === 'illegal' || invariantViolation !== undefined,
    verdict: check.result,
    ...(check.result === 'illegal' ? { detail: renderHistory(kvModel, check.partition) } : {}),
    ...(check.result === 'unknown' ? { detail: check.reason } : {}),
    ...(invariantViolation !== undefined ? { detail: invariantViolation } : {}),
  };
}
