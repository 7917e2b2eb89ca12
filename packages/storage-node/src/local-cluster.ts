import type { Random } from '@shoal/base';
import type { PartitionMap, StorageNode as Placement } from '@shoal/placement';
import { InMemoryNetwork, RoundScheduler } from '@shoal/raft-host';
import { leaderSetup, LocalReplica, partitionKeyNames, Router, type ClusterTables, type ReplicaDirectory } from '@shoal/router';
import type { StorageEngine } from '@shoal/storage';
import { StorageNode } from './storage-node.js';

export interface LocalClusterOptions {
  region: string;
  /** Every node to start (those the map does not use yet host nothing until replicas move to them). */
  placements: readonly Placement[];
  map: PartitionMap;
  metadataVoters: number[];
  engine: (node: number) => StorageEngine | Promise<StorageEngine>;
  tables: ClusterTables;
  itemCollectionBytesMax?: number;
  tickMs?: number;
  /** Applied entries between compactions of each group's log (default: the host's). */
  snapshotEvery?: number;
  random?: (node: number) => Random;
}

export interface LocalCluster {
  network: InMemoryNetwork;
  nodes: Map<number, StorageNode>;
  /** The replicas of these nodes, for more routers. */
  directory: ReplicaDirectory;
  router: Router;
  close(): Promise<void>;
}

/**
 * Storage nodes in this process joined by an in-process network, and a router that reaches
 * their replicas directly: the embedded cluster, and the cluster of in-process tests.
 */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  // Delivered at once, so that in a round of the scheduler below followers take their leaders'
  // new entries, and a shared engine's group commit writes every copy with one fsync (0011).
  const network = new InMemoryNetwork({ immediate: true });
  // The nodes' rounds start together, so a shared engine's group commit takes all their writes at once.
  const rounds = new RoundScheduler();
  const nodes = new Map<number, StorageNode>();
  for (const placement of options.placements) {
    const node = await StorageNode.start({
      id: placement.id,
      region: options.region,
      az: placement.az,
      engine: await options.engine(placement.id),
      transport: network.transport(placement.id),
      rounds,
      map: options.map,
      metadataVoters: options.metadataVoters,
      leadership: { setup: leaderSetup(options.tables), partitionKeyOf: partitionKeyNames(options.tables), ...(options.itemCollectionBytesMax !== undefined ? { itemCollectionBytesMax: options.itemCollectionBytesMax } : {}) },
      ...(options.tickMs !== undefined ? { tickMs: options.tickMs } : {}),
      ...(options.snapshotEvery !== undefined ? { snapshotEvery: options.snapshotEvery } : {}),
      ...(options.random ? { random: options.random(placement.id) } : {}),
    });
    nodes.set(placement.id, node);
  }
  const directory = localReplicas(nodes);
  return {
    network,
    nodes,
    directory,
    router: new Router(options.map, directory),
    async close() {
      for (const node of nodes.values()) await node.close();
    },
  };
}

/** The replicas of nodes in this process; a replica dropped and opened again gets a new client. */
function localReplicas(nodes: ReadonlyMap<number, StorageNode>): ReplicaDirectory {
  const clients = new Map<string, LocalReplica>();
  return {
    replica(node, group) {
      const leadership = nodes.get(node)?.replica(group);
      if (!leadership) return undefined;
      const id = `${node}:${group}`;
      let client = clients.get(id);
      if (client?.leadership !== leadership) clients.set(id, (client = new LocalReplica(leadership)));
      return client;
    },
  };
}
