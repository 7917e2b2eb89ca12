import { assert } from '@shoal/base';

/**
 * Tokens are the 8-byte partition-key hashes of `@shoal/codec`, read as unsigned 64-bit
 * big-endian integers. A partition owns the tokens in [start, end); together the partitions of
 * a map cover [0, 2^64) without gaps or overlaps.
 */
export const TOKEN_SPACE_END = 1n << 64n;

export interface StorageNode {
  id: number;
  az: string;
}

export interface Partition {
  id: number;
  start: bigint;
  end: bigint;
  /** Node ids holding a replica (the partition's Raft group members). */
  replicas: number[];
  /**
   * The group's members when it was created: every replica starts from this membership and
   * replays the membership changes in the log, so a replica added later reaches the same one.
   */
  founders: number[];
}

export interface PartitionMap {
  version: number;
  /** Sorted by start. */
  partitions: Partition[];
  replication: number;
}

export interface ReplicaMove {
  partition: number;
  from: number;
  to: number;
}

export function tokenValue(token: Uint8Array): bigint {
  assert(token.length === 8, 'a token has 8 bytes');
  const view = new DataView(token.buffer, token.byteOffset, 8);
  return (BigInt(view.getUint32(0)) << 32n) | BigInt(view.getUint32(4));
}

/** The partition that owns `token` (binary search). */
export function partitionFor(map: PartitionMap, token: bigint): Partition {
  let low = 0;
  let high = map.partitions.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((map.partitions[middle] as Partition).start <= token) low = middle;
    else high = middle - 1;
  }
  return map.partitions[low] as Partition;
}

/** Replica counts per node (0 for nodes holding none). */
export function replicaCounts(map: PartitionMap, nodes: readonly StorageNode[]): Map<number, number> {
  const counts = new Map(nodes.map((node) => [node.id, 0]));
  for (const partition of map.partitions) for (const replica of partition.replicas) counts.set(replica, (counts.get(replica) ?? 0) + 1);
  return counts;
}

/**
 * The invariants every map must keep, as a list of violations (empty when sound): contiguous
 * coverage of the token space, `replication` distinct live replicas per partition, and replicas
 * in distinct AZs whenever the cluster has enough AZs.
 */
export function checkMap(map: PartitionMap, nodes: readonly StorageNode[]): string[] {
  const problems: string[] = [];
  const azOf = new Map(nodes.map((node) => [node.id, node.az]));
  const zones = new Set(nodes.map((node) => node.az)).size;
  let expectedStart = 0n;
  for (const partition of map.partitions) {
    if (partition.start !== expectedStart) problems.push(`partition ${partition.id} starts at ${partition.start}, expected ${expectedStart}`);
    if (partition.end <= partition.start) problems.push(`partition ${partition.id} is empty`);
    expectedStart = partition.end;
    const distinct = new Set(partition.replicas);
    if (distinct.size !== partition.replicas.length) problems.push(`partition ${partition.id} repeats a node`);
    if (partition.replicas.length !== Math.min(map.replication, nodes.length)) problems.push(`partition ${partition.id} has ${partition.replicas.length} replicas`);
    for (const replica of partition.replicas) if (!azOf.has(replica)) problems.push(`partition ${partition.id} is on unknown node ${replica}`);
    const azs = new Set(partition.replicas.map((replica) => azOf.get(replica)));
    if (azs.size < Math.min(partition.replicas.length, zones)) problems.push(`partition ${partition.id} has replicas in only ${azs.size} AZs`);
  }
  if (expectedStart !== TOKEN_SPACE_END) problems.push(`the map ends at ${expectedStart}, not 2^64`);
  return problems;
}
