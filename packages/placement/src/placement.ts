import { assert } from '@shoal/base';
import { replicaCounts, TOKEN_SPACE_END, type Partition, type PartitionMap, type ReplicaMove, type StorageNode } from './partition-map.js';

/**
 * Picks the node for a new replica of a partition: never a node that already holds one; then,
 * in order of preference, a node in `preferredAz` (a replacement stays in its AZ), a node in an
 * AZ the partition does not use yet, the least loaded node, the lowest id. Undefined if no node
 * is left.
 */
function chooseNode(replicas: readonly number[], nodes: readonly StorageNode[], counts: Map<number, number>, preferredAz?: string): StorageNode | undefined {
  const azOf = new Map(nodes.map((node) => [node.id, node.az]));
  const usedAzs = new Set(replicas.map((replica) => azOf.get(replica)));
  let best: StorageNode | undefined;
  let bestScore: number[] = [];
  for (const node of nodes) {
    if (replicas.includes(node.id)) continue;
    const score = [node.az === preferredAz ? 0 : 1, usedAzs.has(node.az) ? 1 : 0, counts.get(node.id) ?? 0, node.id];
    if (!best || lexicallyLess(score, bestScore)) {
      best = node;
      bestScore = score;
    }
  }
  return best;
}

function lexicallyLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number);
  return false;
}

/** A map of `partitionCount` equal token ranges, each with `replication` replicas spread over AZs and balanced over nodes. */
export function initialMap(partitionCount: number, nodes: readonly StorageNode[], replication = 3): PartitionMap {
  assert(partitionCount > 0 && nodes.length > 0, 'a map needs partitions and nodes');
  const counts = new Map(nodes.map((node) => [node.id, 0]));
  const partitions: Partition[] = [];
  for (let i = 0; i < partitionCount; i++) {
    const start = (BigInt(i) * TOKEN_SPACE_END) / BigInt(partitionCount);
    const end = (BigInt(i + 1) * TOKEN_SPACE_END) / BigInt(partitionCount);
    const replicas: number[] = [];
    for (let r = 0; r < Math.min(replication, nodes.length); r++) {
      const node = chooseNode(replicas, nodes, counts) as StorageNode;
      replicas.push(node.id);
      counts.set(node.id, (counts.get(node.id) ?? 0) + 1);
    }
    partitions.push({ id: i + 1, start, end, replicas, founders: [...replicas] });
  }
  return { version: 1, partitions, replication };
}

/**
 * Moves replicas onto a node just added (in `nodes`) until it holds its share, taking them from
 * the most loaded nodes, and only where the partition keeps as many AZs as before (so, with one
 * replica per AZ, only from nodes in the new node's AZ). Returns the new map and the moves, each
 * of which the cluster carries out as a Raft membership change plus a snapshot.
 */
export function addNode(map: PartitionMap, nodes: readonly StorageNode[], added: number): { map: PartitionMap; moves: ReplicaMove[] } {
  const node = nodes.find((candidate) => candidate.id === added);
  assert(node !== undefined, `node ${added} is not in the node list`);
  const azOf = new Map(nodes.map((candidate) => [candidate.id, candidate.az]));
  const partitions = map.partitions.map((partition) => ({ ...partition, replicas: [...partition.replicas] }));
  const working = { ...map, partitions };
  const counts = replicaCounts(working, nodes);
  const total = partitions.reduce((sum, partition) => sum + partition.replicas.length, 0);
  const target = Math.floor(total / nodes.length);
  const moves: ReplicaMove[] = [];
  while ((counts.get(added) ?? 0) < target) {
    let best: { partition: Partition; from: number; score: number[] } | undefined;
    for (const partition of partitions) {
      if (partition.replicas.includes(added)) continue;
      for (const from of partition.replicas) {
        const others = partition.replicas.filter((replica) => replica !== from).map((replica) => azOf.get(replica));
        const keepsAzs = azOf.get(from) === node.az || !others.includes(node.az);
        if (!keepsAzs) continue;
        // Only from nodes above the new node's load, most loaded first, so loads converge.
        const donorLoad = counts.get(from) ?? 0;
        if (donorLoad <= (counts.get(added) ?? 0) + 1) continue;
        const score = [-donorLoad, azOf.get(from) === node.az ? 0 : 1, partition.id];
        if (!best || lexicallyLess(score, best.score)) best = { partition, from, score };
      }
    }
    if (!best) break;
    best.partition.replicas[best.partition.replicas.indexOf(best.from)] = added;
    counts.set(best.from, (counts.get(best.from) ?? 0) - 1);
    counts.set(added, (counts.get(added) ?? 0) + 1);
    moves.push({ partition: best.partition.id, from: best.from, to: added });
  }
  return { map: { ...working, version: map.version + (moves.length > 0 ? 1 : 0) }, moves };
}

/**
 * Re-creates the replicas of a node that left (absent from `nodes`) on the remaining nodes: in
 * the same AZ where possible, else in an AZ the partition does not use, least loaded first.
 */
export function removeNode(map: PartitionMap, nodes: readonly StorageNode[], removed: number, removedAz: string): { map: PartitionMap; moves: ReplicaMove[] } {
  assert(!nodes.some((node) => node.id === removed), `node ${removed} is still in the node list`);
  const counts = replicaCounts(map, nodes);
  const moves: ReplicaMove[] = [];
  const partitions = map.partitions.map((partition) => {
    if (!partition.replicas.includes(removed)) return partition;
    const remaining = partition.replicas.filter((replica) => replica !== removed);
    const replacement = chooseNode(remaining, nodes, counts, removedAz);
    if (!replacement) return { ...partition, replicas: remaining };
    counts.set(replacement.id, (counts.get(replacement.id) ?? 0) + 1);
    moves.push({ partition: partition.id, from: removed, to: replacement.id });
    return { ...partition, replicas: partition.replicas.map((replica) => (replica === removed ? replacement.id : replica)) };
  });
  return { map: { ...map, partitions, version: map.version + 1 }, moves };
}

/** Splits a partition at `at` (strictly inside it): the upper half becomes partition `newId` on the same replicas. */
export function splitPartition(map: PartitionMap, partitionId: number, at: bigint, newId: number): PartitionMap {
  assert(!map.partitions.some((partition) => partition.id === newId), `partition ${newId} exists`);
  const partitions: Partition[] = [];
  for (const partition of map.partitions) {
    if (partition.id !== partitionId) {
      partitions.push(partition);
      continue;
    }
    assert(partition.start < at && at < partition.end, `split point ${at} is not inside partition ${partitionId}`);
    // The upper half is a new group, founded by the replicas the partition has now.
    partitions.push({ ...partition, end: at }, { id: newId, start: at, end: partition.end, replicas: [...partition.replicas], founders: [...partition.replicas] });
  }
  assert(partitions.length === map.partitions.length + 1, `no partition ${partitionId}`);
  return { ...map, partitions, version: map.version + 1 };
}

/** The map once one move is done: the partition's replica `from` replaced by `to`, version bumped. */
export function applyMove(map: PartitionMap, move: ReplicaMove): PartitionMap {
  return {
    ...map,
    version: map.version + 1,
    partitions: map.partitions.map((partition) =>
      partition.id === move.partition ? { ...partition, replicas: partition.replicas.map((replica) => (replica === move.from ? move.to : replica)) } : partition,
    ),
  };
}
