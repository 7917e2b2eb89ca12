import { readFileSync } from 'node:fs';
import { addNode, applyMove, layoutFromJson, removeNode, type PartitionMap, type ReplicaMove } from '@shoal/placement';
import { GrpcMembershipControl, GrpcReplicaDirectory } from '@shoal/replica-rpc';
import { MetadataEngine, moveReplica, readMap, Router, updateMap } from '@shoal/router';
import { METADATA_GROUP } from '@shoal/storage-node';
import type { ClusterFile } from './cluster-file.js';
import { writeLayout } from './layout-file.js';

export interface RebalanceReport {
  moves: ReplicaMove[];
  replicas: number;
  map: PartitionMap;
}

/**
 * Adds a running node to the ring (`add`) or takes one out of it (`remove`) on a multi-process
 * cluster: the placement's moves are carried out one by one through the nodes' replica services
 * (learner, catch-up, promotion, removal), and after each one the new map is stored in the
 * metadata group (gateways follow it) and in the layout file (restarted nodes read it).
 */
export async function rebalanceCluster(cluster: ClusterFile, change: 'add' | 'remove', nodeId: number, log: (line: string) => void = () => {}): Promise<RebalanceReport> {
  const layout = layoutFromJson(readFileSync(cluster.layout, 'utf8'));
  const storage = cluster.processes.filter((entry) => entry.role === 'storage');
  const directory = new GrpcReplicaDirectory(new Map(storage.map((entry) => [entry.id as number, `127.0.0.1:${entry.ports.replica}`])));
  try {
    const router = new Router(layout.map, directory);
    const metadata = new MetadataEngine(router, METADATA_GROUP, layout.metadataVoters);
    const current = (await readMap(metadata)) ?? layout.map;
    router.setMap(current);
    const node = layout.nodes.find((candidate) => candidate.id === nodeId);
    if (!node) throw new Error(`node ${nodeId} is not in ${cluster.layout}`);
    const inRing = new Set(current.partitions.flatMap((partition) => partition.replicas));
    const { moves } =
      change === 'add'
        ? addNode(current, layout.nodes.filter((candidate) => inRing.has(candidate.id) || candidate.id === nodeId), nodeId)
        : removeNode(current, layout.nodes.filter((candidate) => inRing.has(candidate.id) && candidate.id !== nodeId), nodeId, node.az);
    const control = new GrpcMembershipControl(directory);
    let map = current;
    for (const move of moves) {
      // The gateway may have split a partition since: apply each move to the newest map.
      map = (await readMap(metadata)) ?? map;
      router.setMap(map);
      const partition = map.partitions.find((candidate) => candidate.id === move.partition)!;
      const next = applyMove(map, move);
      await moveReplica(control, router, partition, move.from, move.to, next);
      // Conditional: a split the gateway publishes meanwhile stays in the map.
      map = await updateMap(metadata, (current) => applyMove(current, move));
      router.setMap(map);
      writeLayout(cluster.layout, { ...layout, map });
      log(`moved partition ${move.partition}: node ${move.from} -> node ${move.to} (map version ${map.version})`);
    }
    return { moves, replicas: current.partitions.reduce((sum, partition) => sum + partition.replicas.length, 0), map };
  } finally {
    directory.close();
  }
}
