import type { PartitionMap, StorageNode } from './partition-map.js';

/** A cluster's layout as stored in a file: its nodes, its metadata group, its partition map. */
export interface ClusterLayout {
  nodes: StorageNode[];
  metadataVoters: number[];
  map: PartitionMap;
}

/** JSON text of a layout (token bounds as decimal strings: they exceed 2^53). */
export function layoutToJson(layout: ClusterLayout): string {
  const partitions = layout.map.partitions.map((partition) => ({ ...partition, start: partition.start.toString(), end: partition.end.toString() }));
  return JSON.stringify({ ...layout, map: { ...layout.map, partitions } }, null, 2);
}

export function layoutFromJson(text: string): ClusterLayout {
  const parsed = JSON.parse(text) as ClusterLayout & { map: { partitions: { start: string; end: string }[] } };
  const partitions = parsed.map.partitions.map((partition) => ({ ...partition, start: BigInt(partition.start), end: BigInt(partition.end) }));
  return { ...parsed, map: { ...parsed.map, partitions } as PartitionMap };
}

/** The metadata group's members: the first node of each of the first three AZs (or the first three nodes). */
export function metadataVotersOf(nodes: readonly StorageNode[]): number[] {
  const voters: number[] = [];
  const zones = new Set<string>();
  for (const node of nodes) {
    if (voters.length < 3 && !zones.has(node.az)) {
      voters.push(node.id);
      zones.add(node.az);
    }
  }
  for (const node of nodes) if (voters.length < 3 && !voters.includes(node.id)) voters.push(node.id);
  return voters;
}
