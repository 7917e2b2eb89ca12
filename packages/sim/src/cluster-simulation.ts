import { AssertionError, SeededRandom } from '@shoal/base';
import type { NodeId } from '@shoal/raft';
import { ClusterClients } from './cluster-clients.js';
import { checkSettledCluster, readEveryKey } from './cluster-checks.js';
import { Coordinator, type ClusterVariant } from './cluster-coordinator.js';
import { initialMap } from './cluster-map.js';
import { RangeKvMachine } from './range-kv-machine.js';
import { ClientHistory, type CheckedHistory } from './sim-checks.js';
import { StorageNodes } from './storage-nodes.js';

/**
 * One seeded run of the ROUTED CLUSTER: 5 or 6 storage nodes, each hosting one Raft replica per
 * partition it holds; two partitions to begin with, three replicas each; routers that route by
 * cached (often stale) copies of the partition map; and a coordinator that splits partitions and
 * moves replicas to spare nodes under the load, publishing each new map with its version one
 * higher. The faults are the single-group simulation's (message loss, duplication, reordering
 * and delay; partitions; crashes that lose unsynced state; slow disks; clock skew; buggify
 * crashes and split votes). Checks: linearizability of the clients' history (per key),
 * state machine safety per group, no Raft assertion, and after a quiet phase a settled cluster
 * whose data matches the map. Same seed, same run.
 */
export type { ClusterVariant } from './cluster-coordinator.js';

export interface ClusterSimulationOptions {
  variant: ClusterVariant;
  /** Simulated steps with faults, client load, splits and moves; a quiet phase follows. */
  steps: number;
}

/** The checks' outcome (operations checked, violation, verdict, detail) and what the run did. */
export interface ClusterSimulationResult extends CheckedHistory {
  seed: number;
  /** Splits and moves the coordinator completed (map published, old replicas gone). */
  splits: number;
  moves: number;
  mapVersion: number;
  /** Requests routers sent by a map older than the published one. */
  staleRoutes: number;
}

const INITIAL_PARTITIONS = 2;
const REPLICATION = 3;
/** The quiet phase lasts this long, and at least this long after the coordinator's last job ends. */
const QUIET_STEPS = 2000;
const MAX_QUIET_STEPS = 8000;

export function runClusterSimulation(seed: number, options: ClusterSimulationOptions): ClusterSimulationResult {
  const random = new SeededRandom(seed);
  // Each seed runs one of the safe configurations (moves need pre-vote or check-quorum).
  const preVote = random.chance(0.5);
  const checkQuorum = !preVote || random.chance(0.5);
  const nodeIds: NodeId[] = Array.from({ length: random.chance(0.5) ? 5 : 6 }, (_, i) => i + 1);
  const storms = new SeededRandom(seed * 104729 + 5);
  const history = new ClientHistory();
  const map = initialMap(INITIAL_PARTITIONS, nodeIds, REPLICATION);
  const nodes = new StorageNodes({
    seed,
    random,
    nodeIds,
    // One node down at a time, so that every three-replica group keeps a quorum (buggify may add one).
    maxDown: 1,
    preVote,
    checkQuorum,
    // The nodes report to the clients and the coordinator (made below; nothing is reported before the first step).
    events: {
      applied: (node, group, index, command, output) => clients.applied(node, group, index, command, output),
      readState: (node, group, state) => {
        clients.readState(node, group, state);
        coordinator.readState(node, group, state);
      },
      lost: (node, group) => clients.lost(node, group),
    },
  });
  for (const partition of map.partitions) {
    nodes.defineGroup(partition.id, RangeKvMachine.empty({ start: partition.start, end: partition.end }));
    for (const node of partition.replicas) nodes.create(node, partition.id, { voters: partition.replicas, learners: [] });
  }
  const jobs = new SeededRandom(seed * 7919 + 17);
  const coordinator = new Coordinator(jobs, nodes, nodeIds, options.variant, map);
  const clients = new ClusterClients(new SeededRandom(seed * 65537 + 3), nodes, () => coordinator.published(), history);

  const step = (withFaults: boolean) => {
    nodes.world.now++;
    if (withFaults && random.chance(1 / 100)) nodes.world.injectFault(nodes.leaderNodes());
    if (withFaults) coordinator.maybeStart();
    coordinator.act();
    if (withFaults && storms.chance(1 / 400)) nodes.splitVote(storms);
    nodes.step();
    clients.step(withFaults);
  };

  let invariantViolation: string | undefined;
  try {
    for (let i = 0; i < options.steps; i++) step(true);
    nodes.world.calm();
    let idleSince = coordinator.busy() ? Infinity : 0;
    for (let i = 0; i < MAX_QUIET_STEPS && (i < QUIET_STEPS || i - idleSince < QUIET_STEPS); i++) {
      step(false);
      if (coordinator.busy()) idleSince = Infinity;
      else if (idleSince === Infinity) idleSince = i;
    }
  } catch (error) {
    // A Raft invariant assertion is the simulator catching a bug, like a failed linearizability check.
    if (!(error instanceof AssertionError)) throw error;
    invariantViolation = `invariant broken at step ${nodes.world.now}: ${error.message}`;
  }
  const published = coordinator.published();
  invariantViolation = nodes.safety.violation ?? clients.ownershipViolation ?? invariantViolation ?? coordinator.unfinished() ?? checkSettledCluster(nodes, published);
  if (invariantViolation === undefined) readEveryKey(nodes, published, history);
  return { seed, splits: coordinator.splits, moves: coordinator.moves, mapVersion: published.version, staleRoutes: clients.staleRoutes, ...history.check(invariantViolation) };
}
