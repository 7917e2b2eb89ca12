import { mapFromJson, mapToJson, type PartitionMap } from '@shoal/placement';
import type { StorageEngine } from '@shoal/storage';
import type { MetadataEngine } from './metadata-engine.js';
import type { Router } from './router.js';

/** Where the metadata group keeps the partition map (beside the catalog's 0x01 'T' and 'N' keys). */
const MAP_KEY = Uint8Array.of(0x01, 0x4d);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export async function readMap(metadata: StorageEngine): Promise<PartitionMap | undefined> {
  const bytes = await metadata.get(MAP_KEY);
  return bytes ? mapFromJson(decoder.decode(bytes)) : undefined;
}

export async function writeMap(metadata: StorageEngine, map: PartitionMap): Promise<void> {
  await metadata.write([{ type: 'put', key: MAP_KEY, value: encoder.encode(mapToJson(map)) }], { sync: true });
}

/**
 * Replaces the map by `change(current)` if nothing else replaced it meanwhile (a conditional
 * write in the metadata group), retrying on a newer one: a split and a replica move published
 * together both stay in the map. `change` throws when it no longer applies.
 */
export async function updateMap(metadata: MetadataEngine, change: (current: PartitionMap) => PartitionMap): Promise<PartitionMap> {
  for (;;) {
    const bytes = await metadata.get(MAP_KEY);
    if (!bytes) throw new Error('the metadata group holds no partition map');
    const next = change(mapFromJson(decoder.decode(bytes)));
    if (await metadata.writeIf(MAP_KEY, bytes, [{ type: 'put', key: MAP_KEY, value: encoder.encode(mapToJson(next)) }])) return next;
  }
}

/** Keeps a router on the newest map in the metadata group (polled: maps change rarely). Returns a stop function. */
export function followMap(router: Router, metadata: StorageEngine, intervalMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    readMap(metadata)
      .then((map) => {
        if (map) router.setMap(map);
      })
      .catch(() => {})
      .finally(() => (running = false));
  }, intervalMs);
  return () => clearInterval(timer);
}
