import { afterEach, describe, expect, it } from 'vitest';
import { isShoalError, SeededRandom } from '@shoal/base';
import { prepareExpressions } from '@shoal/expressions';
import { checkOperations, kvModel, renderHistory, type KvInput, type KvOutput, type Operation } from '@shoal/linearizability';
import type { Item } from '@shoal/model';
import { itemStorageKey, type TableHandle, type WriteCommand } from '@shoal/partition';
import { applyMove, initialMap, type StorageNode as Placement } from '@shoal/placement';
import { ClusterStore, moveReplica, Router } from '@shoal/router';
import { MemoryEngine } from '@shoal/storage';
import { LocalMembershipControl, startLocalCluster, type LocalCluster } from '../src/index.js';

/**
 * The cluster's item layer under faults, checked for linearizability: clients put, read
 * (ConsistentRead) and compare-and-set a few keys through the router while a seeded nemesis cuts
 * nodes off, heals the network and moves replicas onto a spare node and back. Timing is real (the
 * hosts run on timers), so this complements the deterministic Raft simulation rather than
 * replacing it: it exercises what the simulation does not (leader-evaluated stores per term,
 * proposal fencing, lease reads in the host, the router's retries, replica moves, and, with logs
 * compacted every 16 entries, replicas that catch up or join from snapshots of their keyspaces).
 */
const SEED = Number(process.env.SHOAL_LINEARIZABILITY_SEED ?? 20261130);
const table: TableHandle = { tableNumber: 1, shape: { partitionKey: { name: 'id', type: 'S' } } };
const PLACEMENTS: Placement[] = [
  { id: 1, az: 'a' },
  { id: 2, az: 'b' },
  { id: 3, az: 'c' },
  { id: 4, az: 'a' },
];
const KEYS = ['x', 'y', 'z'];
const CLIENTS = 6;
const RUN_MS = 4000;
/**
 * Each client's pace at most: the history (and the checker's time, which grows faster than its
 * length) then stays the same on a fast machine, spread over the whole run of the nemesis.
 */
const OPERATIONS_PER_MS_PER_CLIENT = 1;

let cluster: LocalCluster | undefined;
afterEach(async () => {
  cluster?.network.heal();
  await cluster?.close();
  cluster = undefined;
});

function casCommand(key: string, expected: string | undefined, value: string): WriteCommand {
  const { condition } = expected === undefined
    ? prepareExpressions({ ConditionExpression: 'attribute_not_exists(v)' })
    : prepareExpressions({ ConditionExpression: 'v = :e', ExpressionAttributeValues: { ':e': { S: expected } } });
  return { kind: 'put', item: { id: { S: key }, v: { S: value } }, condition: condition!, returnValues: 'NONE', returnItemOnConditionFailure: false };
}

/** Runs the workload and the nemesis; `followerReads` serves reads from a follower (not linearizable, on purpose). */
async function runNemesis(runMs: number, followerReads: boolean) {
  const RUN_MS = runMs;
  const random = new SeededRandom(SEED);
  const map = initialMap(2, PLACEMENTS.slice(0, 3));
  cluster = await startLocalCluster({
    region: 'test',
    placements: PLACEMENTS,
    map,
    metadataVoters: [1, 2, 3],
    engine: () => new MemoryEngine(),
    tables: { tables: () => [table], resolveTable: (tableNumber) => (tableNumber === 1 ? table : undefined) },
    tickMs: 5,
    // Logs compacted often: cut-off and moved replicas catch up from snapshots of the keyspaces.
    snapshotEvery: 16,
    random: (node) => new SeededRandom(SEED + node),
  });
  const store = followerReads
    ? new ClusterStore(new Router(cluster.router.map, cluster.directory, { localAz: 'b', nodeAzs: new Map(PLACEMENTS.map((node) => [node.id, node.az])) }))
    : new ClusterStore(cluster.router);
  const history: Operation<KvInput, KvOutput>[] = [];
  const start = performance.now();
  const end = start + RUN_MS;
  let failed = 0;

  const client = async (clientId: number) => {
    const choices = new SeededRandom(SEED * 31 + clientId);
    for (let n = 0; performance.now() < end; n++) {
      if (n >= (performance.now() - start) * OPERATIONS_PER_MS_PER_CLIENT) await new Promise((resolve) => setTimeout(resolve, 1));
      const key = KEYS[choices.int(KEYS.length)] as string;
      const dice = choices.int(3);
      const value = `${clientId}.${n}`;
      const input: KvInput = dice === 0 ? { op: 'get', key } : dice === 1 ? { op: 'put', key, value } : { op: 'cas', key, expected: choices.chance(0.3) ? undefined : `${choices.int(CLIENTS)}.${choices.int(n + 1)}`, value };
      const operation: Operation<KvInput, KvOutput> = { clientId, input, call: performance.now(), return: Infinity };
      history.push(operation);
      try {
        const itemKey: Item = { id: { S: key } };
        if (input.op === 'get') {
          const item = (await store.getItem(table, itemKey, !followerReads))?.item;
          operation.output = { value: (item?.v as { S: string } | undefined)?.S };
        } else if (input.op === 'put') {
          const outcome = await store.execute(table, itemKey, { kind: 'put', item: { id: { S: key }, v: { S: value } }, returnValues: 'NONE', returnItemOnConditionFailure: false });
          expect(outcome.status).toBe('applied');
          operation.output = {};
        } else {
          const outcome = await store.execute(table, itemKey, casCommand(key, input.expected, value));
          operation.output = { ok: outcome.status === 'applied' };
        }
        operation.return = performance.now();
      } catch (error) {
        // An ambiguous outcome stays open (return: Infinity); anything else must prove it had no effect.
        if (!(isShoalError(error) && error.fault === 'ambiguous')) {
          failed++;
          history.splice(history.indexOf(operation), 1);
        }
      }
    }
  };

  const nemesis = async () => {
    const control = new LocalMembershipControl(cluster!.nodes);
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    let spareHolds: { partition: number; from: number } | undefined;
    while (performance.now() < end - 300) {
      const action = random.int(3);
      if (action === 0) {
        const victim = 1 + random.int(3);
        cluster!.network.isolate(victim, PLACEMENTS.map((node) => node.id).filter((node) => node !== victim));
        await pause(100 + random.int(300));
        cluster!.network.heal();
      } else if (action === 1 && !spareHolds) {
        const partition = cluster!.router.map.partitions[random.int(2)]!;
        const from = partition.replicas.find((node) => node !== 4 && PLACEMENTS.find((p) => p.id === node)!.az === 'a')!;
        const move = { partition: partition.id, from, to: 4 };
        await moveReplica(control, cluster!.router, partition, from, 4, applyMove(cluster!.router.map, move));
        spareHolds = { partition: partition.id, from };
      } else if (spareHolds) {
        const partition = cluster!.router.map.partitions.find((candidate) => candidate.id === spareHolds!.partition)!;
        const move = { partition: partition.id, from: 4, to: spareHolds.from };
        await moveReplica(control, cluster!.router, partition, 4, spareHolds.from, applyMove(cluster!.router.map, move));
        spareHolds = undefined;
      }
      await pause(50 + random.int(150));
    }
  };

  await Promise.all([nemesis(), ...Array.from({ length: CLIENTS }, (_, c) => client(c))]);
  const completed = history.filter((operation) => operation.return !== Infinity).length;
  const verdict = checkOperations(kvModel, history);
  const installed = [...cluster.nodes.values()].reduce((sum, node) => sum + node.host.stats.snapshotsInstalled, 0);
  console.log(`seed ${SEED}: ${history.length} operations (${completed} completed, ${history.length - completed} ambiguous, ${failed} refused), map version ${cluster.router.map.version}, ${installed} snapshots installed: ${verdict.result}`);
  expect(completed).toBeGreaterThan(200);
  // The keys really are spread over both partitions.
  expect(new Set(KEYS.map((key) => cluster!.router.partitionOfItem(itemStorageKey(1, table.shape, { id: { S: key } })).id)).size).toBe(2);
  return verdict;
}

describe(`the cluster under a nemesis (seed ${SEED}; replay with SHOAL_LINEARIZABILITY_SEED)`, () => {
  it('keeps puts, consistent reads and compare-and-sets linearizable', async () => {
    const verdict = await runNemesis(RUN_MS, false);
    if (verdict.result === 'illegal') console.log(renderHistory(kvModel, verdict.partition));
    expect(verdict.result).toBe('ok');
  });

  it('catches reads served by a follower (the check can fail)', async () => {
    expect((await runNemesis(RUN_MS / 2, true)).result).toBe('illegal');
  });
});
