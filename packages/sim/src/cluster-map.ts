import type { NodeId } from '@shoal/raft';

/**
 * The routed cluster's partition map, as the simulation models it: each key hashes to a token in
 * [0, TOKENS); a partition owns the tokens [start, end) and is one Raft group (group id =
 * partition id) on its replicas' nodes. Every split or replica move publishes the map again
 * with the version one higher; routers cache a version and may lag behind.
 */
export const TOKENS = 1 << 16;
/** The workload's keys: four in each half of the token space, so both initial partitions get traffic. */
export const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'];

export interface PartitionRange {
  id: number;
  start: number;
  end: number;
  replicas: NodeId[];
}

export interface ClusterMap {
  version: number;
  partitions: PartitionRange[];
}

/** FNV-1a with a murmur finaliser: short keys that differ in one character still spread over the tokens. */
export function tokenOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193) >>> 0;
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b) >>> 0;
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35) >>> 0;
  return ((hash ^ (hash >>> 16)) >>> 0) >>> 16;
}

export function partitionOf(map: ClusterMap, token: number): PartitionRange {
  const partition = map.partitions.find((candidate) => candidate.start <= token && token < candidate.end);
  if (!partition) throw new Error(`map version ${map.version} does not cover token ${token}`);
  return partition;
}

/** `count` equal ranges, each on `replication` consecutive nodes (wrapping around). */
export function initialMap(count: number, nodes: readonly NodeId[], replication: number): ClusterMap {
  const width = Math.floor(TOKENS / count);
  const partitions = Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    start: i * width,
    end: i === count - 1 ? TOKENS : (i + 1) * width,
    replicas: Array.from({ length: replication }, (_, j) => nodes[(i * replication + j) % nodes.length] as NodeId).sort((a, b) => a - b),
  }));
  return { version: 1, partitions };
}

/** Partition `parent` = [a, b) becomes [a, at), and `child` = [at, b) on the same replicas. */
export function splitInMap(map: ClusterMap, parent: number, at: number, child: number): ClusterMap {
  const partitions = map.partitions.flatMap((partition) =>
    partition.id === parent
      ? [
          { ...partition, end: at },
          { id: child, start: at, end: partition.end, replicas: [...partition.replicas] },
        ]
      : [partition],
  );
  return { version: map.version + 1, partitions: partitions.sort((a, b) => a.start - b.start) };
}

/** The replica of partition `group` on node `from` moves to node `to`. */
export function moveInMap(map: ClusterMap, group: number, from: NodeId, to: NodeId): ClusterMap {
  const partitions = map.partitions.map((partition) =>
    partition.id === group ? { ...partition, replicas: partition.replicas.map((node) => (node === from ? to : node)).sort((a, b) => a - b) } : partition,
  );
  return { version: map.version + 1, partitions };
}
