import { KEYS, partitionOf, tokenOf, type ClusterMap } from './cluster-map.js';
import { groupLiveness, type ClientHistory } from './sim-checks.js';
import type { StorageNodes } from './storage-nodes.js';

/**
 * The routed cluster's end-of-run checks, after the quiet phase: every partition of the final
 * map is one settled Raft group (one leader, every member caught up, the members exactly the
 * map's replicas), its replicas' descriptors are exactly its range with no freeze left, and each
 * key lives only in the partition that owns its token; no node holds a group the map lacks.
 * Returns the first problem found.
 */
export function checkSettledCluster(nodes: StorageNodes, map: ClusterMap): string | undefined {
  const mapped = new Set(map.partitions.map((partition) => partition.id));
  const leaked = nodes.groups().filter((group) => !mapped.has(group));
  if (leaked.length > 0) return `groups ${leaked.join(', ')} are on nodes but not in map version ${map.version}`;
  for (const partition of map.partitions) {
    const replicas = nodes.replicasOf(partition.id);
    const liveness = groupLiveness(replicas.map(({ replica }) => replica));
    if (liveness) return `partition ${partition.id}: ${liveness}`;
    const hosts = replicas.map(({ node }) => node).join(',');
    const { voters, learners } = nodes.leaderOf(partition.id)?.replica.raft.membership ?? { voters: [], learners: [] };
    if (voters.join(',') !== partition.replicas.join(',') || learners.length > 0 || hosts !== partition.replicas.join(',')) {
      return `partition ${partition.id}: map replicas ${partition.replicas.join(',')}, group voters ${voters.join(',')}, learners ${learners.join(',')}, hosted on ${hosts}`;
    }
    for (const { node, replica } of replicas) {
      const descriptor = replica.machine.descriptor;
      if (descriptor?.start !== partition.start || descriptor.end !== partition.end || descriptor.frozenFrom !== undefined) {
        return `partition ${partition.id} [${partition.start}, ${partition.end}): node ${node}'s descriptor is ${JSON.stringify(descriptor)}`;
      }
      const strays = replica.machine.keys().filter((key) => tokenOf(key) < partition.start || tokenOf(key) >= partition.end);
      if (strays.length > 0) return `partition ${partition.id} [${partition.start}, ${partition.end}): node ${node} holds keys ${strays.join(', ')} outside its range`;
    }
  }
  return undefined;
}

/**
 * A final read of every key from its partition's leader, added to the history as if a client
 * read it at the very end: a write lost in a split is caught even if no client read it again.
 */
export function readEveryKey(nodes: StorageNodes, map: ClusterMap, history: ClientHistory): void {
  const now = nodes.world.now;
  for (const key of KEYS) {
    const leader = nodes.leaderOf(partitionOf(map, tokenOf(key)).id);
    if (leader) history.read(0, key, now, now, leader.replica.machine.read(key));
  }
}
