import { SeededRandom } from '@shoal/base';
import type { PartitionMap, StorageNode as Placement } from '@shoal/placement';
import type { ClusterTables } from '@shoal/router';
import { MemoryEngine } from '@shoal/storage';
import { startLocalCluster, type LocalCluster } from '../src/index.js';

/** Three nodes in AZs a, b, c: the smallest cluster with one replica per AZ. */
export const THREE_AZS: Placement[] = [
  { id: 1, az: 'a' },
  { id: 2, az: 'b' },
  { id: 3, az: 'c' },
];

const NO_TABLES: ClusterTables = { tables: () => [], resolveTable: () => undefined };

/** An in-process cluster on memory engines, fast ticks and seeded elections, for tests. */
export function startTestCluster(map: PartitionMap, placements: Placement[] = THREE_AZS, tables: ClusterTables = NO_TABLES): Promise<LocalCluster> {
  return startLocalCluster({
    region: 'test',
    placements,
    map,
    metadataVoters: placements.slice(0, 3).map((placement) => placement.id),
    engine: () => new MemoryEngine(),
    tables,
    tickMs: 5,
    random: (node) => new SeededRandom(node),
  });
}
