import type { PartitionMap, StorageNode } from './partition-map.js';

/** A cluster's layout as stored in a file: its nodes, its metadata group, its partition map. */
export interface ClusterLayout {
  nodes: StorageNode[];
  metadataVoters: number[];
  map: PartitionMap;
}

type StoredMap = Omit<PartitionMap, 'partitions'> & { partitions: (Omit<PartitionMap['partitions'][number], 'start' | 'end'> & { start: string; end: string })[] };

/** A map as plain JSON data (token bounds as decimal strings: they exceed 2^53). */
function storedMap(map: PartitionMap): StoredMap {
  return { ...map, partitions: map.partitions.map((partition) => ({ ...partition, start: partition.start.toString(), end: partition.end.toString() })) };
}

function loadedMap(stored: StoredMap): PartitionMap {
  return { ...stored, partitions: stored.partitions.map((partition) => ({ ...partition, start: BigInt(partition.start), end: BigInt(partition.end) })) };
}

export function mapToJson(map: PartitionMap): string {
  return JSON.stringify(storedMap(map));
}

export function mapFromJson(text: string): PartitionMap {
  return loadedMap(JSON.parse(text) as StoredMap);
}

/** JSON text of a layout. */
export function layoutToJson(layout: ClusterLayout): string {
  return JSON.stringify({ ...layout, map: storedMap(layout.map) }, null, 2);
}

export function layoutFromJson(text: string): ClusterLayout {
  const parsed = JSON.parse(text) as Omit<ClusterLayout, 'map'> & { map: StoredMap };
  return { ...parsed, map: loadedMap(parsed.map) };
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
