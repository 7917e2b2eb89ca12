import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '@shoal/base';
import type { Item } from '@shoal/model';
import { tableKeyRange, type TableHandle } from '@shoal/partition';
import { addNode, applyMove, checkMap, initialMap, removeNode, type PartitionMap, type ReplicaMove, type StorageNode as Placement } from '@shoal/placement';
import { ClusterStore, moveReplica, type Router } from '@shoal/router';
import { MemoryEngine } from '@shoal/storage';
import { waitFor } from '@shoal/testkit';
import { LocalMembershipControl, startLocalCluster, type StorageNode } from '../src/index.js';

/**
 * Rebalancing under load: a fourth node is added to three (one per AZ), the placement moves
 * replicas onto it by Raft membership changes (learner, catch-up from the log or a snapshot, promotion,
 * removal of the old replica), while writers keep writing; then it is removed again. No
 * acknowledged write may be lost, nothing may appear that was never written, and a quiet
 * table reads back identical (count and checksum) before and after a rebalance.
 */
const table: TableHandle = { tableNumber: 1, shape: { partitionKey: { name: 'id', type: 'S' } } };
const PLACEMENTS: Placement[] = [
  { id: 1, az: 'a' },
  { id: 2, az: 'b' },
  { id: 3, az: 'c' },
];
/** In a fourth AZ, the new node may take replicas from every node: its share is a quarter. */
const NEW_NODE: Placement = { id: 4, az: 'd' };
const PARTITIONS = 8;

let nodes = new Map<number, StorageNode>();
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function startNodes(map: PartitionMap, snapshotEvery?: number): Promise<{ router: Router; store: ClusterStore; control: LocalMembershipControl }> {
  const cluster = await startLocalCluster({
    region: 'test',
    placements: [...PLACEMENTS, NEW_NODE],
    map,
    metadataVoters: [1, 2, 3],
    engine: () => new MemoryEngine(),
    tables: { tables: () => [table], resolveTable: (tableNumber) => (tableNumber === 1 ? table : undefined) },
    tickMs: 5,
    ...(snapshotEvery !== undefined ? { snapshotEvery } : {}),
    random: (node) => new SeededRandom(node),
  });
  nodes = cluster.nodes;
  close = cluster.close;
  return { router: cluster.router, store: new ClusterStore(cluster.router), control: new LocalMembershipControl(nodes) };
}

/** Carries out placement moves one at a time, each with the map it leads to. */
async function rebalance(control: LocalMembershipControl, router: Router, moves: ReplicaMove[]): Promise<void> {
  for (const move of moves) {
    const partition = router.map.partitions.find((candidate) => candidate.id === move.partition)!;
    await moveReplica(control, router, partition, move.from, move.to, applyMove(router.map, move));
  }
}

async function contents(store: ClusterStore): Promise<{ ids: string[]; count: number; checksum: string }> {
  const hash = createHash('sha256');
  const ids: string[] = [];
  for await (const [key, { item }] of store.scan(tableKeyRange(1))) {
    hash.update(Buffer.from(key)).update(JSON.stringify(item));
    ids.push((item.id as { S: string }).S);
  }
  return { ids, count: ids.length, checksum: hash.digest('hex') };
}

describe('rebalancing a cluster', () => {
  it('moves replicas onto an added node and off a removed one under load, losing and inventing nothing', async () => {
    await rebalanceUnderLoad();
  });

  it('does the same with compacted logs, the moved replicas starting from snapshots of the keyspaces', async () => {
    const moved = await rebalanceUnderLoad(8);
    // Every replica moved onto node 4 and back started from a snapshot: the logs were compacted.
    // (A follower that fell 8 entries behind under the load may have needed one too.)
    const installed = [...nodes.values()].reduce((sum, node) => sum + node.host.stats.snapshotsInstalled, 0);
    console.log(`compacted logs: ${installed} snapshots installed for ${moved} moves; compactions per node: ${[...nodes.values()].map((node) => node.host.stats.compactions).join(', ')}`);
    expect(installed).toBeGreaterThanOrEqual(moved);
    expect([...nodes.values()].map((node) => node.host.stats.snapshotFailures)).toEqual([0, 0, 0, 0]);
  });
});

/** Adds node 4 and removes it again under load; answers the number of replica moves. */
async function rebalanceUnderLoad(snapshotEvery?: number): Promise<number> {
  const map = initialMap(PARTITIONS, PLACEMENTS);
  const { router, store, control } = await startNodes(map, snapshotEvery);
  const attempted = new Set<string>();
  const acknowledged: string[] = [];
  let stop = false;
  const writer = async (w: number) => {
    for (let n = 0; !stop; n++) {
      const id = `w${w}-${n}`;
      attempted.add(id);
      const item: Item = { id: { S: id }, v: { N: String(n) } };
      try {
        const outcome = await store.execute(table, { id: item.id! }, { kind: 'put', item, returnValues: 'NONE', returnItemOnConditionFailure: false });
        expect(outcome.status).toBe('applied');
        acknowledged.push(id);
      } catch (error) {
        // Only an outcome the cluster cannot know (a leader removed with the write in flight) may fail.
        expect((error as { fault?: string }).fault).toBe('ambiguous');
      }
    }
  };
  const writers = Array.from({ length: 4 }, (_, w) => writer(w));
  await waitFor(() => acknowledged.length >= 200, '200 writes');

  const added = addNode(map, [...PLACEMENTS, NEW_NODE], NEW_NODE.id);
  expect(checkMap(added.map, [...PLACEMENTS, NEW_NODE])).toEqual([]);
  const atStart = acknowledged.length;
  await rebalance(control, router, added.moves);
  const replicasOnNew = router.map.partitions.filter((partition) => partition.replicas.includes(NEW_NODE.id)).length;
  console.log(
    `add node 4 (AZ d) under load: moved ${added.moves.length} of ${PARTITIONS * 3} replicas (${((100 * added.moves.length) / (PARTITIONS * 3)).toFixed(1)}%; ` +
      `partitions moved ${added.moves.length}/${PARTITIONS} = ${(added.moves.length / PARTITIONS).toFixed(2)}), node 4 now holds ${replicasOnNew} replicas; ` +
      `${acknowledged.length - atStart} writes acknowledged during the moves`,
  );
  expect(added.moves.length).toBe((PARTITIONS * 3) / 4);
  expect(router.map.partitions.map((partition) => partition.replicas)).toEqual(added.map.partitions.map((partition) => partition.replicas));
  await waitFor(() => acknowledged.length >= atStart + 400, 'writes to go on after the moves');
  stop = true;
  await Promise.all(writers);

  const before = await contents(store);
  const acknowledgedSet = new Set(acknowledged);
  expect(acknowledged.filter((id) => !before.ids.includes(id))).toEqual([]);
  expect(before.ids.filter((id) => !attempted.has(id))).toEqual([]);
  expect(new Set(before.ids).size).toBe(before.count);
  expect(before.count).toBeGreaterThanOrEqual(acknowledgedSet.size);
  // The replicas that left their nodes took their data with them; node 4's copies hold it.
  for (const move of added.moves) {
    expect(nodes.get(move.from)!.replica(move.partition)).toBeUndefined();
    expect(nodes.get(move.to)!.groupState(move.partition)?.membership.voters).toContain(move.to);
  }

  const removed = removeNode(router.map, PLACEMENTS, NEW_NODE.id, NEW_NODE.az);
  await rebalance(control, router, removed.moves);
  console.log(`remove node 4: moved ${removed.moves.length} replicas back`);
  expect(router.map.partitions.every((partition) => !partition.replicas.includes(NEW_NODE.id))).toBe(true);
  const after = await contents(store);
  expect(after.count).toBe(before.count);
  expect(after.checksum).toBe(before.checksum);
  return added.moves.length + removed.moves.length;
}
