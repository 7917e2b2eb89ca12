import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '@shoal/base';
import type { Item } from '@shoal/model';
import { itemStorageKey, tableKeyRange, type TableHandle } from '@shoal/partition';
import { initialMap } from '@shoal/placement';
import { LeadershipLostError } from '@shoal/raft-host';
import { MemoryEngine } from '@shoal/storage';
import { startLocalCluster, type LocalCluster } from '@shoal/storage-node';
import { waitFor } from '@shoal/testkit';
import { ClusterStore, mergeByKey, Router } from '../src/index.js';

const table: TableHandle = { tableNumber: 1, shape: { partitionKey: { name: 'id', type: 'S' } } };
const PLACEMENTS = [
  { id: 1, az: 'a' },
  { id: 2, az: 'b' },
  { id: 3, az: 'c' },
];

async function startCluster(partitions: number): Promise<LocalCluster & { store: ClusterStore }> {
  const cluster = await startLocalCluster({
    region: 'test',
    placements: PLACEMENTS,
    map: initialMap(partitions, PLACEMENTS),
    metadataVoters: [1, 2, 3],
    engine: () => new MemoryEngine(),
    tables: { tables: () => [table], resolveTable: (tableNumber) => (tableNumber === 1 ? table : undefined) },
    tickMs: 5,
    random: (node) => new SeededRandom(node),
  });
  return { ...cluster, store: new ClusterStore(cluster.router) };
}

const put = (id: string): Parameters<ClusterStore['execute']>[2] => ({ kind: 'put', item: { id: { S: id } }, returnValues: 'NONE', returnItemOnConditionFailure: false });

let cluster: (LocalCluster & { store: ClusterStore }) | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe('the cluster store', () => {
  it('spreads items over partitions and reads them back in token order', async () => {
    cluster = await startCluster(4);
    const ids = Array.from({ length: 200 }, (_, i) => `item-${i}`);
    await Promise.all(ids.map((id) => cluster!.store.execute(table, { id: { S: id } }, put(id))));
    const scanned: Uint8Array[] = [];
    for await (const [key] of cluster.store.scan(tableKeyRange(1))) scanned.push(key);
    const expected = ids.map((id) => itemStorageKey(1, table.shape, { id: { S: id } })).sort(Buffer.compare);
    expect(scanned.map((key) => Buffer.from(key).toString('hex'))).toEqual(expected.map((key) => Buffer.from(key).toString('hex')));
    const perPartition = cluster.router.map.partitions.map((partition) => expected.filter((key) => cluster!.router.partitionOfItem(key) === partition).length);
    expect(perPartition.every((count) => count > 20)).toBe(true);
    expect((await cluster.store.statisticsOf(1)).itemCount).toBe(200);
    const fetched = await cluster.store.getMany([expected[5]!, itemStorageKey(1, table.shape, { id: { S: 'absent' } }), expected[150]!]);
    expect(fetched.map((stored) => (stored?.item.id as { S: string } | undefined)?.S)).toEqual([expect.stringMatching(/^item-/), undefined, expect.stringMatching(/^item-/)]);
  });

  it('keeps serving writes when a node is cut off, and loses no acknowledged write', async () => {
    cluster = await startCluster(4);
    const acknowledged: string[] = [];
    let lastAck = Date.now();
    let longestGap = 0;
    let stop = false;
    let unknown = 0;
    const writer = async (w: number) => {
      for (let n = 0; !stop; n++) {
        const id = `w${w}-${n}`;
        try {
          const outcome = await cluster!.store.execute(table, { id: { S: id } }, put(id));
          expect(outcome.status).toBe('applied');
        } catch (error) {
          // A leader cut off with the write in flight: the outcome is unknown (a client gets a 500).
          expect(error).toBeInstanceOf(LeadershipLostError);
          unknown++;
          continue;
        }
        acknowledged.push(id);
        const now = Date.now();
        longestGap = Math.max(longestGap, now - lastAck);
        lastAck = now;
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    await waitFor(() => acknowledged.length >= 300, '300 writes');
    // Cut off the node leading partition 1 (and whatever else it leads), with writes in flight.
    const victim = [...cluster.nodes.values()].find((node) => node.replica(1)?.isLeader)!.id;
    cluster.network.isolate(victim, [1, 2, 3].filter((id) => id !== victim));
    const atCut = acknowledged.length;
    await waitFor(() => acknowledged.length >= atCut + 300, '300 more writes with the node cut off', 20_000);
    cluster.network.heal();
    stop = true;
    await Promise.all(writers);
    console.log(`cut-off node: ${acknowledged.length} writes acknowledged, ${unknown} with unknown outcome, longest gap between acknowledgements ${longestGap} ms`);
    expect(longestGap).toBeLessThan(5000);
    const found = await cluster.store.getMany(acknowledged.map((id) => itemStorageKey(1, table.shape, { id: { S: id } })));
    expect(found.filter((item) => item === undefined)).toHaveLength(0);
  });
});

describe('eventually consistent reads', () => {
  it('are served by the replica in the router\'s AZ, even while it is cut off from its group', async () => {
    cluster = await startCluster(4);
    const key = { id: { S: 'song' } };
    const put = (v: string) => cluster!.store.execute(table, key, { kind: 'put', item: { id: { S: 'song' }, v: { N: v } }, returnValues: 'NONE', returnItemOnConditionFailure: false });
    await put('1');
    // The router's AZ is that of a follower of the item's partition.
    const partition = cluster.router.partitionOfItem(itemStorageKey(1, table.shape, key));
    const follower = partition.replicas.find((node) => !cluster!.nodes.get(node)!.replica(partition.id)!.isLeader)!;
    const azOf = new Map(PLACEMENTS.map((node) => [node.id, node.az]));
    const nearby = new ClusterStore(new Router(cluster.router.map, cluster.directory, { localAz: azOf.get(follower)!, nodeAzs: azOf }));
    await waitFor(async () => (await nearby.getItem(table, key, false))?.item.v !== undefined, 'the follower to apply the write');
    // The follower is cut off: a second write commits on the other two.
    cluster.network.isolate(follower, PLACEMENTS.map((node) => node.id).filter((node) => node !== follower));
    await put('2');
    // The nearby replica still answers, with what it has (stale, never invented); a consistent read sees the write.
    expect((await nearby.getItem(table, key, false))?.item).toEqual({ id: { S: 'song' }, v: { N: '1' } });
    expect((await nearby.getItem(table, key, true))?.item).toEqual({ id: { S: 'song' }, v: { N: '2' } });
    cluster.network.heal();
    await waitFor(async () => JSON.stringify((await nearby.getItem(table, key, false))?.item) === JSON.stringify({ id: { S: 'song' }, v: { N: '2' } }), 'the follower to catch up');
  });
});

describe('merging key-ordered streams', () => {
  async function* stream(...keys: number[]): AsyncIterable<[Uint8Array, Item]> {
    for (const key of keys) yield [Uint8Array.of(key), { k: { N: String(key) } }];
  }
  const collect = async (source: AsyncIterable<[Uint8Array, Item]>) => {
    const keys: number[] = [];
    for await (const [key] of source) keys.push(key[0]!);
    return keys;
  };

  it('yields every entry once in key order, or in reverse', async () => {
    expect(await collect(mergeByKey([stream(1, 4, 9), stream(), stream(2, 3, 10)], false))).toEqual([1, 2, 3, 4, 9, 10]);
    expect(await collect(mergeByKey([stream(9, 4, 1), stream(10, 3, 2)], true))).toEqual([10, 9, 4, 3, 2, 1]);
  });
});
