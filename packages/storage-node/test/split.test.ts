import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '@shoal/base';
import type { Item } from '@shoal/model';
import { indexCollectionPrefix, indexKeyRange, itemCollectionPrefix, prefixEnd, tableKeyRange, type IndexHandle, type TableHandle } from '@shoal/partition';
import { decodeRange, encodeRange, itemKeyToken, ownerToken, RANGE_KEY, TOKEN_SPACE_END } from '@shoal/partition-replica';
import { checkMap, initialMap, type PartitionMap, type StorageNode as Placement } from '@shoal/placement';
import { ClusterStore, partitionKeyNames, recoverSplits, splitPoint, SplitController, type Router, type SplitPolicy } from '@shoal/router';
import { compareBytes, MemoryEngine, rangeAfter, type KeyRange } from '@shoal/storage';
import { waitFor, WriteLedger } from '@shoal/testkit';
import { LocalMembershipControl, startLocalCluster, type StorageNode } from '../src/index.js';

/**
 * Splits under load: a cluster starting with one partition and a test-sized threshold splits
 * by size while writers write, a Query reader pages through item collections and a reader
 * queries a global index. Every Query and index read succeeds throughout, in key order, with
 * no duplicate; afterwards every acknowledged item is there once, index entries match items,
 * and each replica holds only the records of its partition's range.
 */
const byGroup: IndexHandle = { indexNumber: 1, name: 'byGroup', kind: 'global', shape: { partitionKey: { name: 'g', type: 'S' }, sortKey: { name: 'n', type: 'N' } }, projected: undefined };
const table: TableHandle = { tableNumber: 1, shape: { partitionKey: { name: 'id', type: 'S' }, sortKey: { name: 'n', type: 'N' } }, indexes: [byGroup] };
const tables = { tables: () => [table], resolveTable: (tableNumber: number) => (tableNumber === 1 ? table : undefined) };
const PLACEMENTS: Placement[] = [
  { id: 1, az: 'a' },
  { id: 2, az: 'b' },
  { id: 3, az: 'c' },
];
const SPLIT_BYTES = 48 * 1024;
const COLLECTIONS_PER_WRITER = 8;
const GROUPS = 3;
const PAGE_ITEMS = 7;
const PADDING = 'x'.repeat(200);

let nodes = new Map<number, StorageNode>();
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function startCluster(policy: SplitPolicy): Promise<{ router: Router; store: ClusterStore; controller: SplitController }> {
  const cluster = await startLocalCluster({
    region: 'test',
    placements: PLACEMENTS,
    map: initialMap(1, PLACEMENTS),
    metadataVoters: [1, 2, 3],
    engine: () => new MemoryEngine(),
    tables,
    tickMs: 5,
    random: (node) => new SeededRandom(node),
  });
  nodes = cluster.nodes;
  const control = { membership: new LocalMembershipControl(nodes), publish: async (change: (map: PartitionMap) => PartitionMap) => change(cluster.router.map), partitionKeyOf: partitionKeyNames(tables) };
  const controller = new SplitController(cluster.router, control, async () => [1], policy, (line) => console.log(line));
  close = async () => {
    await controller.stop();
    await cluster.close();
  };
  return { router: cluster.router, store: new ClusterStore(cluster.router), controller };
}

const yieldTurn = () => new Promise((resolve) => setImmediate(resolve));
const stringOf = (item: Item, name: string) => (item[name] as { S: string }).S;
const numberOf = (item: Item, name: string) => Number((item[name] as { N: string }).N);
const idOf = (item: Item) => `${stringOf(item, 'id')}#${numberOf(item, 'n')}`;

/** A Query as the API runs it: pages of PAGE_ITEMS, each page a new read resuming after the last key. */
async function pagedQuery(store: ClusterStore, range: KeyRange): Promise<[Uint8Array, Item][]> {
  const all: [Uint8Array, Item][] = [];
  for (let rest: KeyRange = { ...range, limit: PAGE_ITEMS }; ; ) {
    const page: [Uint8Array, Item][] = [];
    for await (const [key, stored] of store.scan(rest)) {
      page.push([key, stored.item]);
      if (page.length === PAGE_ITEMS) break;
    }
    all.push(...page);
    if (page.length < PAGE_ITEMS) return all;
    rest = { ...rangeAfter(range, page[page.length - 1]![0]), limit: PAGE_ITEMS };
  }
}

function expectAscending(entries: [Uint8Array, Item][]): void {
  for (let i = 1; i < entries.length; i++) expect(compareBytes(entries[i - 1]![0], entries[i]![0])).toBeLessThan(0);
}

describe('splitting partitions', () => {
  it('picks the median token, past the lowest when the lower half would be empty', () => {
    expect(splitPoint([5n, 1n, 9n, 3n], { start: 0n, end: 10n })).toBe(5n);
    expect(splitPoint([2n, 2n, 2n, 7n], { start: 0n, end: 10n })).toBe(7n);
    expect(splitPoint([4n, 4n], { start: 0n, end: 10n })).toBeUndefined();
    expect(splitPoint([], { start: 0n, end: 10n })).toBe(5n);
  });

  it('splits by size under load: Query and index reads keep working in key order, nothing is lost or duplicated', async () => {
    const { router, store, controller } = await startCluster({ maxBytes: SPLIT_BYTES, maxWritesPerSecond: 0, intervalMs: 50 });
    const ledger = new WriteLedger();
    let stop = false;
    const writer = async (w: number) => {
      for (let n = 0; !stop; n++) {
        const id = `c${w}-${n % COLLECTIONS_PER_WRITER}`;
        const item: Item = { id: { S: id }, n: { N: String(n) }, g: { S: `g${n % GROUPS}` }, pad: { S: PADDING } };
        ledger.attempt(idOf(item));
        const outcome = await store.execute(table, { id: item.id!, n: item.n! }, { kind: 'put', item, returnValues: 'NONE', returnItemOnConditionFailure: false });
        expect(outcome.status).toBe('applied');
        ledger.acknowledge(id, idOf(item));
      }
    };
    let queries = 0;
    const queryReader = async () => {
      const random = new SeededRandom(7);
      while (!stop) {
        const collections = ledger.collections();
        if (collections.length === 0) {
          await yieldTurn();
          continue;
        }
        const id = random.pick(collections);
        const before = ledger.acknowledgedIn(id);
        const prefix = itemCollectionPrefix(1, { S: id });
        const entries = await pagedQuery(store, { gte: prefix, lt: prefixEnd(prefix) });
        expectAscending(entries);
        const seen = new Set(entries.map(([, item]) => idOf(item)));
        expect(before.filter((key) => !seen.has(key))).toEqual([]);
        queries++;
        await yieldTurn();
      }
    };
    let indexQueries = 0;
    const indexReader = async () => {
      for (let round = 0; !stop; round++) {
        const prefix = indexCollectionPrefix(1, 1, { S: `g${round % GROUPS}` });
        const entries = await pagedQuery(store, { gte: prefix, lt: prefixEnd(prefix) });
        expectAscending(entries);
        indexQueries++;
        // Reads of the in-memory engines finish within one turn: let the nodes' timers run between them.
        await yieldTurn();
      }
    };
    const writers = Array.from({ length: 4 }, (_, w) => writer(w));
    const readers = [queryReader(), indexReader()];
    controller.start();
    await waitFor(() => router.map.partitions.length >= 3, 'two splits', 60_000);
    const atSplits = ledger.acknowledgedCount;
    await waitFor(() => ledger.acknowledgedCount >= atSplits + 200, 'writes to go on after the splits', 30_000);
    stop = true;
    await Promise.all([...writers, ...readers]);
    await controller.stop();
    console.log(`splits: ${router.map.partitions.length} partitions (map version ${router.map.version}); ${ledger.acknowledgedCount} writes acknowledged, ${queries} paged Queries and ${indexQueries} index Queries, none failed`);
    expect(queries).toBeGreaterThan(0);
    expect(indexQueries).toBeGreaterThan(0);
    expect(checkMap(router.map, PLACEMENTS)).toEqual([]);

    // Every acknowledged item once, nothing never written, the table in token order across the boundaries.
    const items: [Uint8Array, Item][] = [];
    for await (const [key, stored] of store.scan(tableKeyRange(1))) items.push([key, stored.item]);
    expectAscending(items);
    const stored = new Set(items.map(([, item]) => idOf(item)));
    expect(stored.size).toBe(items.length);
    expect(ledger.lostFrom(stored)).toEqual([]);
    expect(ledger.inventedIn(stored)).toEqual([]);
    const partitionSizes = router.map.partitions.map((partition) => items.filter(([key]) => itemKeyToken(key) >= partition.start && itemKeyToken(key) < partition.end).length);
    expect(partitionSizes.every((size) => size > 0)).toBe(true);

    // The global index holds one entry per item, in index key order.
    await store.indexesSettled();
    const entries: [Uint8Array, Item][] = [];
    for await (const [key, stored] of store.scan(indexKeyRange(1, 1))) entries.push([key, stored.item]);
    expectAscending(entries);
    expect(entries.map(([, item]) => idOf(item)).sort()).toEqual([...stored].sort());

    // Each replica keeps only its range's records; the three replicas of a partition hold the same ones.
    const keyOf = partitionKeyNames(tables);
    for (const partition of router.map.partitions) {
      await waitFor(() => {
        const states = partition.replicas.map((node) => nodes.get(node)!.groupState(partition.id)!);
        return states.every((state) => state.applied === states[0]!.applied && state.applied === state.commit);
      }, `partition ${partition.id}'s replicas to apply the same log`);
      const counts: number[] = [];
      for (const node of partition.replicas) {
        const keyspace = nodes.get(node)!.machine(partition.id)!.keyspace;
        let count = 0;
        for await (const [key, value] of keyspace.iterate({ gte: Uint8Array.of(0x10), lt: Uint8Array.of(0x12) })) {
          const token = ownerToken(key, value, keyOf)!;
          expect(token >= partition.start && token < partition.end).toBe(true);
          count++;
        }
        counts.push(count);
      }
      expect(new Set(counts).size).toBe(1);
    }
  }, 90_000);

  it('splits a partition that takes more writes a second than the policy allows', async () => {
    const { router, store, controller } = await startCluster({ maxBytes: 0, maxWritesPerSecond: 100, intervalMs: 250 });
    const acknowledged: string[] = [];
    let stop = false;
    const writer = async (w: number) => {
      for (let n = 0; !stop; n++) {
        const item: Item = { id: { S: `w${w}-${n % 50}` }, n: { N: String(n) }, g: { S: 'g' } };
        const outcome = await store.execute(table, { id: item.id!, n: item.n! }, { kind: 'put', item, returnValues: 'NONE', returnItemOnConditionFailure: false });
        expect(outcome.status).toBe('applied');
        acknowledged.push(idOf(item));
      }
    };
    const writers = Array.from({ length: 4 }, (_, w) => writer(w));
    controller.start();
    await waitFor(() => router.map.partitions.length >= 2, 'a split by load', 60_000);
    stop = true;
    await Promise.all(writers);
    await controller.stop();
    const stored = new Set<string>();
    for await (const [, { item }] of store.scan(tableKeyRange(1))) stored.add(idOf(item));
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    expect(stored.size).toBe(acknowledged.length);
  }, 90_000);

  it('undoes a split that stopped before its map was published', async () => {
    const { router, store } = await startCluster({ maxBytes: 0, maxWritesPerSecond: 0, intervalMs: 60_000 });
    // As a coordinator that stopped after the freeze leaves the partition: its upper half read-only.
    const frozen = encodeRange({ start: 0n, end: TOKEN_SPACE_END, frozenFrom: TOKEN_SPACE_END / 2n });
    await router.withLeader(1, undefined, (replica) => replica.proposeWrites([{ type: 'put', key: RANGE_KEY, value: frozen }]));
    expect(await recoverSplits(router, partitionKeyNames(tables))).toEqual([`undid the unpublished split of partition 1 at token ${TOKEN_SPACE_END / 2n}`]);
    const [descriptor] = await router.withLeader(1, undefined, (replica) => replica.keyspaceGetMany([RANGE_KEY]));
    expect(decodeRange(descriptor!)).toEqual({ start: 0n, end: TOKEN_SPACE_END });
    // Every key is writable again, in both halves.
    for (let n = 0; n < 20; n++) {
      const item: Item = { id: { S: `k${n}` }, n: { N: '0' }, g: { S: 'g' } };
      const outcome = await store.execute(table, { id: item.id!, n: item.n! }, { kind: 'put', item, returnValues: 'NONE', returnItemOnConditionFailure: false });
      expect(outcome.status).toBe('applied');
    }
    expect(await recoverSplits(router, partitionKeyNames(tables))).toEqual([]);
  }, 60_000);
});
