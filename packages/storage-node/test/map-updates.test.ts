import { afterEach, describe, expect, it } from 'vitest';
import { initialMap, type PartitionMap } from '@shoal/placement';
import { MetadataEngine, readMap, updateMap, writeMap } from '@shoal/router';
import { METADATA_GROUP } from '../src/index.js';
import { startTestCluster, THREE_AZS } from './test-cluster.js';

/**
 * The partition map changes by conditional writes in the metadata group: concurrent changes (a
 * split published while a replica move is) both survive, and a write whose expectation no longer
 * holds is refused.
 */
const PLACEMENTS = THREE_AZS;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const tagPartition = (id: number, tag: number) => (map: PartitionMap): PartitionMap => ({
  ...map,
  version: map.version + 1,
  partitions: map.partitions.map((partition) => (partition.id === id ? { ...partition, founders: [tag] } : partition)),
});

describe('partition map updates', () => {
  it('keeps every one of concurrent changes and refuses a write whose expected value is gone', async () => {
    const cluster = await startTestCluster(initialMap(4, PLACEMENTS));
    close = cluster.close;
    const metadata = new MetadataEngine(cluster.router, METADATA_GROUP, [1, 2, 3]);
    await writeMap(metadata, initialMap(4, PLACEMENTS));

    const changes = [1, 2, 3, 4].map((id) => updateMap(metadata, tagPartition(id, 100 + id)));
    await Promise.all(changes);
    const stored = (await readMap(metadata))!;
    expect(stored.version).toBe(initialMap(4, PLACEMENTS).version + 4);
    expect(stored.partitions.map((partition) => partition.founders)).toEqual([[101], [102], [103], [104]]);

    const key = Uint8Array.of(0x01, 0x7a);
    expect(await metadata.writeIf(key, undefined, [{ type: 'put', key, value: Uint8Array.of(1) }])).toBe(true);
    expect(await metadata.writeIf(key, undefined, [{ type: 'put', key, value: Uint8Array.of(2) }])).toBe(false);
    expect(await metadata.writeIf(key, Uint8Array.of(1), [{ type: 'put', key, value: Uint8Array.of(3) }])).toBe(true);
    expect(await metadata.get(key)).toEqual(Uint8Array.of(3));
  });
});
