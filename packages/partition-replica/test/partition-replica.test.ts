import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeededRandom } from '@shoal/base';
import { prepareExpressions } from '@shoal/expressions';
import type { Item } from '@shoal/model';
import { decodeItem, itemStorageKey, type TableHandle, type WriteCommand } from '@shoal/partition';
import { NotLeaderError, ProposalDroppedError } from '@shoal/raft';
import { GroupLog, InMemoryNetwork, RaftHost, type GroupMessage } from '@shoal/raft-host';
import { MemoryEngine, type WriteOp } from '@shoal/storage';
import { waitFor } from '@shoal/testkit';
import { decodeOps, encodeOps, encodeRange, PartitionLeadership, RANGE_KEY, ReplicatedKeyspace } from '../src/index.js';

const NODES = [1, 2, 3];
const GROUP = 7;
const table: TableHandle = { tableNumber: 1, shape: { partitionKey: { name: 'pk', type: 'S' } } };
const counterKey: Item = { pk: { S: 'counter' } };

function increment(): WriteCommand {
  const { update } = prepareExpressions({ UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } } });
  return { kind: 'update', key: counterKey, update: update!, returnValues: 'UPDATED_NEW', returnItemOnConditionFailure: false };
}

function putIfAbsent(item: Item): WriteCommand {
  const { condition } = prepareExpressions({ ConditionExpression: 'attribute_not_exists(pk)' });
  return { kind: 'put', item, condition: condition!, returnValues: 'NONE', returnItemOnConditionFailure: true };
}

/** Three hosts with one replica each of a partition, over an in-process network. */
class Partition {
  readonly network = new InMemoryNetwork();
  readonly engines = new Map(NODES.map((node) => [node, new MemoryEngine()]));
  hosts = new Map<number, RaftHost>();
  machines = new Map<number, ReplicatedKeyspace>();
  replicas = new Map<number, PartitionLeadership>();

  constructor(
    private readonly snapshotEvery = Infinity,
    /** Stands in for keyspaces too large for one snapshot message. */
    private readonly tooLargeToSnapshot = false,
  ) {}

  async start(): Promise<void> {
    for (const node of NODES) {
      const engine = this.engines.get(node) as MemoryEngine;
      const host = new RaftHost({ node, engine, transport: this.network.transport(node), tickMs: 5, random: new SeededRandom(node), snapshotEvery: this.snapshotEvery });
      const machine = await ReplicatedKeyspace.open(engine, GROUP);
      if (this.tooLargeToSnapshot) machine.snapshotFits = () => Promise.resolve(false);
      await host.addGroup(GROUP, { voters: NODES, learners: [] }, machine);
      this.hosts.set(node, host);
      this.machines.set(node, machine);
      this.replicas.set(node, new PartitionLeadership(host, GROUP, machine));
    }
  }

  async leader(except?: number): Promise<PartitionLeadership> {
    const find = () => [...this.replicas.entries()].find(([node, replica]) => node !== except && replica.isLeader)?.[1];
    await waitFor(() => find() !== undefined, 'a leader');
    return find() as PartitionLeadership;
  }

  /** The node a replica runs on. */
  nodeOf(replica: PartitionLeadership): number {
    return [...this.replicas].find(([, candidate]) => candidate === replica)![0];
  }

  write(replica: PartitionLeadership, key: Item, command: WriteCommand) {
    return replica.leaderStore().then((store) => store.execute(table, key, command));
  }

  /** The counter as a node's replica has applied it (no read barrier). */
  counterOn(node: number): number {
    const bytes = this.machines.get(node)!.keyspace.getSync(storageKeyOf(counterKey));
    return bytes ? Number((decodeItem(bytes).n as { N: string }).N) : 0;
  }

  async stop(): Promise<void> {
    for (const host of this.hosts.values()) await host.close();
    this.hosts.clear();
  }
}

const storageKeyOf = (key: Item) => itemStorageKey(table.tableNumber, table.shape, key);

let partition: Partition | undefined;
afterEach(async () => {
  await partition?.stop();
  partition = undefined;
});

describe('write batches as Raft entries', () => {
  it('decode to exactly what was encoded', () => {
    const op = fc.oneof(
      fc.record({ type: fc.constant('put' as const), key: fc.uint8Array({ minLength: 1 }), value: fc.uint8Array() }),
      fc.record({ type: fc.constant('del' as const), key: fc.uint8Array({ minLength: 1 }) }),
    );
    fc.assert(
      fc.property(fc.array(op), (ops) => {
        // Compared as plain byte arrays: decoded keys and values are views into the entry, a Buffer.
        const plain = (op: WriteOp) => (op.type === 'put' ? { type: op.type, key: new Uint8Array(op.key), value: new Uint8Array(op.value) } : { type: op.type, key: new Uint8Array(op.key) });
        expect(decodeOps(encodeOps(ops as WriteOp[])).map(plain)).toEqual(ops);
      }),
      { seed: 0x0b5 },
    );
  });

  it('refuse truncated, padded or unknown input instead of guessing', () => {
    const valid = encodeOps([{ type: 'put', key: Uint8Array.of(1), value: Uint8Array.of(2, 3) }]);
    expect(() => decodeOps(valid.subarray(0, valid.length - 1))).toThrow('truncated write batch');
    expect(() => decodeOps(Uint8Array.of(...valid, 0))).toThrow('trailing bytes after a write batch');
    expect(() => decodeOps(Uint8Array.of(0, 0, 0, 1, 9, 0, 0, 0, 0))).toThrow('unknown write type 9');
  });
});

describe('a replica keyspace', () => {
  it('hands the host its applied writes and index once, and nothing when nothing was applied', async () => {
    const engine = new MemoryEngine();
    const machine = await ReplicatedKeyspace.open(engine, GROUP);
    const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');
    const shown = (ops: WriteOp[]) => ops.map((op) => [op.type, text(op.key), op.type === 'put' ? text(op.value) : null]);
    expect(machine.takeWrites()).toEqual([]);
    machine.apply(encodeOps([{ type: 'put', key: Uint8Array.of(0x61), value: Uint8Array.of(0x62) }]), 5);
    const first = machine.takeWrites();
    expect(shown(first)).toEqual([
      ['put', '\x40\x00\x00\x00\x07a', 'b'],
      ['put', '\x40\x00\x00\x00\x07!', '5'],
    ]);
    // Readers of the keyspace (the node's catalog) go by the stored index: it moves once the host has written.
    expect([machine.appliedIndex, machine.storedIndex]).toEqual([5, 0]);
    await engine.write(first, { sync: false });
    machine.writesStored();
    expect(machine.storedIndex).toBe(5);
    expect(machine.takeWrites()).toEqual([]);
    machine.apply(encodeOps([]), 6);
    expect(shown(machine.takeWrites())).toEqual([['put', '\x40\x00\x00\x00\x07!', '6']]);
    expect((await ReplicatedKeyspace.open(engine, GROUP)).durableApplied).toBe(5);
  });

  it('snapshots the view taken at the call, and a restore replaces every key and sets the index and range', async () => {
    const rows = async (engine: MemoryEngine) => {
      const all: string[] = [];
      for await (const [key, value] of engine.iterate({})) all.push(`${Buffer.from(key).toString('hex')}=${Buffer.from(value).toString('latin1')}`);
      return all;
    };
    const put = (key: string, value: string): WriteOp => ({ type: 'put', key: Buffer.from(key), value: Buffer.from(value) });
    const source = new MemoryEngine();
    const machine = await ReplicatedKeyspace.open(source, GROUP);
    const range = { start: 5n, end: 9n };
    machine.apply(encodeOps([put('a', '1'), put('b', '2'), { type: 'put', key: RANGE_KEY, value: encodeRange(range) }]), 3);
    await source.write(machine.takeWrites(), { sync: false });
    const taken = machine.snapshot();
    await source.write(machine.keyspace.outerOps([put('c', 'written after the call')]), { sync: false });
    const data = await taken;
    expect(decodeOps(data).map((op) => Buffer.from(op.key).toString('latin1')).sort()).toEqual(['a', 'b', Buffer.from(RANGE_KEY).toString('latin1')].sort());

    const target = new MemoryEngine();
    await target.write([put('unrelated', 'kept')], { sync: false });
    const replica = await ReplicatedKeyspace.open(target, GROUP);
    replica.apply(encodeOps([put('a', 'stale'), put('z', 'gone after the restore')]), 1);
    await target.write(replica.takeWrites(), { sync: false });
    let changes = 0;
    replica.onRangeChange(() => changes++);
    await replica.restore(data, 12);
    expect([replica.appliedIndex, replica.range, replica.rangeGeneration, changes]).toEqual([12, range, 1, 1]);
    await target.write(replica.takeWrites(), { sync: false });
    const expected = (await rows(source)).filter((row) => !row.includes('written after')).map((row) => (row.startsWith('4000000007' + '21=') ? '400000000721=12' : row));
    expect(await rows(target)).toEqual([...expected, `${Buffer.from('unrelated').toString('hex')}=kept`]);
    expect((await ReplicatedKeyspace.open(target, GROUP)).durableApplied).toBe(12);

    expect(replica.snapshotProblem(data)).toBeUndefined();
    expect(replica.snapshotProblem(data.subarray(0, data.length - 1))).toBe('a malformed snapshot: truncated write batch');
    expect(replica.snapshotProblem(encodeOps([{ type: 'del', key: Uint8Array.of(1) }]))).toBe('a snapshot with deletions');

    expect(await machine.snapshotFits(data.length + 1000)).toBe(true);
    expect(await machine.snapshotFits(20)).toBe(false);
  });
});

describe('a partition replicated through Raft', () => {
  it('evaluates writes on the leader in log order and stores the same bytes on every replica', async () => {
    partition = new Partition();
    await partition.start();
    const leader = await partition.leader();
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => partition!.write(leader, counterKey, increment())));
    // Pipelined increments each see the one before (the store's pending state), though none was durable yet.
    expect(outcomes.map((outcome) => (outcome as { attributes: Item }).attributes)).toEqual(Array.from({ length: 20 }, (_, i) => ({ n: { N: String(i + 1) } })));
    const first = await partition.write(leader, { pk: { S: 'song' } }, putIfAbsent({ pk: { S: 'song' }, v: { S: 'first' } }));
    const second = await partition.write(leader, { pk: { S: 'song' } }, putIfAbsent({ pk: { S: 'song' }, v: { S: 'second' } }));
    expect(first).toMatchObject({ status: 'applied' });
    expect(second).toEqual({ status: 'conditionFailed', item: { pk: { S: 'song' }, v: { S: 'first' } } });
    const songOn = (node: number) => partition!.machines.get(node)!.keyspace.getSync(storageKeyOf({ pk: { S: 'song' } }));
    await waitFor(() => NODES.every((node) => partition!.counterOn(node) === 20 && songOn(node) !== undefined), 'every replica to apply');
    const keyspaces = await Promise.all(
      NODES.map(async (node) => {
        const entries: string[] = [];
        for await (const [key, value] of partition!.machines.get(node)!.keyspace.iterate({ lt: Uint8Array.of(0x20) })) entries.push(`${Buffer.from(key).toString('hex')}=${Buffer.from(value).toString('hex')}`);
        return entries;
      }),
    );
    expect(keyspaces[0]).toHaveLength(2);
    expect(keyspaces[1]).toEqual(keyspaces[0]);
    expect(keyspaces[2]).toEqual(keyspaces[0]);
  });

  it('refuses on a follower, naming the leader', async () => {
    partition = new Partition();
    await partition.start();
    const leader = await partition.leader();
    const leaderNode = partition.nodeOf(leader);
    const follower = [...partition.replicas].find(([node]) => node !== leaderNode)![1];
    await waitFor(() => follower.leaderHint === leaderNode, 'the follower to learn the leader');
    await expect(follower.leaderStore()).rejects.toEqual(new NotLeaderError(leaderNode));
  });

  it('keeps every acknowledged increment, and no more than were attempted, across a leader failover', async () => {
    partition = new Partition();
    await partition.start();
    const first = await partition.leader();
    const firstNode = partition.nodeOf(first);
    await partition.write(first, counterKey, increment());
    let acknowledged = 1;
    let refused = 0; // definitely not applied: dropped from the log, or never proposed
    let failed = 0;
    const attempt = (replica: PartitionLeadership) =>
      partition!.write(replica, counterKey, increment()).then(
        () => acknowledged++,
        (error: unknown) => (error instanceof ProposalDroppedError || error instanceof NotLeaderError ? refused++ : failed++),
      );
    const before = Array.from({ length: 30 }, () => attempt(first));
    // Cut the leader off with proposals in flight; the others elect a new leader and go on.
    partition.network.isolate(firstNode, NODES);
    const second = await partition.leader(firstNode);
    const secondNode = partition.nodeOf(second);
    const after = Array.from({ length: 30 }, () => attempt(second));
    await Promise.all(after);
    partition.network.heal();
    await Promise.race([Promise.all(before), new Promise((resolve) => setTimeout(resolve, 3000))]);
    const unresolved = 61 - acknowledged - refused - failed;
    await waitFor(() => NODES.every((node) => partition!.counterOn(node) === partition!.counterOn(secondNode)), 'the replicas to agree');
    const counter = partition.counterOn(secondNode);
    console.log(`failover: ${acknowledged} acknowledged, ${refused} refused, ${failed} failed, ${unresolved} unresolved, counter ${counter}`);
    expect(acknowledged).toBeGreaterThanOrEqual(31);
    expect(counter).toBeGreaterThanOrEqual(acknowledged);
    // Each increment applied at most once: outcomes that are not known add at most one each.
    expect(counter).toBeLessThanOrEqual(acknowledged + unresolved + failed);
  });

  it('compacts its logs and brings a follower cut off past the compaction back with a snapshot of the keyspace', async () => {
    partition = new Partition(8);
    await partition.start();
    const leader = await partition.leader();
    const leaderNode = partition.nodeOf(leader);
    const behind = NODES.find((node) => node !== leaderNode)!;
    for (let i = 0; i < 5; i++) await partition.write(leader, counterKey, increment());
    await waitFor(() => partition!.counterOn(behind) === 5, 'the follower to apply');
    partition.network.isolate(behind, NODES);
    for (let i = 0; i < 40; i++) await partition.write(leader, counterKey, increment());
    const leaderHost = partition.hosts.get(leaderNode)!;
    await waitFor(() => leaderHost.stats.compactions > 0 && leaderHost.raft(GROUP).log.snapshotIndex > 6, 'the leader to compact past the follower');
    partition.network.heal();
    await waitFor(() => partition!.counterOn(behind) === 45, 'the follower to catch up');
    expect(partition.hosts.get(behind)!.stats.snapshotsInstalled).toBe(1);
    // Installed in the keyspace, the snapshot's data is not kept in memory (nor in its record).
    expect(partition.hosts.get(behind)!.raft(GROUP).snapshot()?.data).toEqual(new Uint8Array(0));
    expect(leaderHost.stats.snapshotsTaken).toBeGreaterThanOrEqual(1);
    expect(leaderHost.stats.snapshotFailures).toBe(0);

    // Every node restarts from its compacted log and its keyspace, and goes on.
    await partition.stop();
    const { persisted } = await GroupLog.open(partition.engines.get(behind)!, GROUP);
    expect([persisted.snapshot!.meta.index > 6, persisted.snapshot!.data.length]).toEqual([true, 0]);
    await partition.start();
    for (const node of NODES) expect(partition.hosts.get(node)!.raft(GROUP).log.snapshotIndex).toBeGreaterThan(0);
    const next = await partition.write(await partition.leader(), counterKey, increment());
    expect((next as { attributes: Item }).attributes).toEqual({ n: { N: '46' } });
    await waitFor(() => NODES.every((node) => partition!.counterOn(node) === 46), 'every replica to apply after the restart');
  });

  it('installs a snapshot of more rows than one call takes arguments', async () => {
    partition = new Partition(8);
    await partition.start();
    const leader = await partition.leader();
    const behind = NODES.find((node) => node !== partition!.nodeOf(leader))!;
    partition.network.isolate(behind, NODES);
    const ROWS = 200_000;
    const key = (i: number) => Buffer.from(`row${String(i).padStart(6, '0')}`);
    await leader.proposeWrites(Array.from({ length: ROWS }, (_, i): WriteOp => ({ type: 'put', key: key(i), value: Uint8Array.of(1) })));
    for (let i = 0; i < 10; i++) await partition.write(leader, counterKey, increment());
    partition.network.heal();
    await waitFor(() => partition!.counterOn(behind) === 10, 'the follower to catch up');
    expect(partition.hosts.get(behind)!.stats.snapshotsInstalled).toBe(1);
    const keyspace = partition.machines.get(behind)!.keyspace;
    expect([keyspace.getSync(key(0)), keyspace.getSync(key(ROWS - 1))]).toEqual([Uint8Array.of(1), Uint8Array.of(1)]);
  });

  it('drops a snapshot whose data is garbled instead of restoring it', async () => {
    partition = new Partition();
    await partition.start();
    const leader = await partition.leader();
    const leaderNode = partition.nodeOf(leader);
    await partition.write(leader, counterKey, increment());
    const follower = NODES.find((node) => node !== leaderNode)!;
    const host = partition.hosts.get(follower)!;
    await waitFor(() => partition!.counterOn(follower) === 1, 'the follower to apply');
    const snapshot = { meta: { index: 1000, term: host.raft(GROUP).term, membership: { voters: NODES, learners: [] } }, data: Uint8Array.of(0, 0, 0, 9, 1) };
    const deliver = (host as unknown as { deliver(batch: GroupMessage[]): void }).deliver.bind(host);
    deliver([{ group: GROUP, message: { type: 'snapshot', from: leaderNode, to: follower, term: host.raft(GROUP).term, snapshot } }]);
    expect(host.stats.malformedMessages).toBe(1);
    // The replica goes on as before.
    await partition.write(leader, counterKey, increment());
    await waitFor(() => partition!.counterOn(follower) === 2, 'the follower to apply the next write');
    expect(host.stats.snapshotsInstalled).toBe(0);
  });

  it('keeps the whole log of a keyspace too large for a snapshot, and a follower catches up from it', async () => {
    partition = new Partition(8, true);
    await partition.start();
    const leader = await partition.leader();
    const leaderNode = partition.nodeOf(leader);
    const behind = NODES.find((node) => node !== leaderNode)!;
    partition.network.isolate(behind, NODES);
    for (let i = 0; i < 30; i++) await partition.write(leader, counterKey, increment());
    partition.network.heal();
    await waitFor(() => partition!.counterOn(behind) === 30, 'the follower to catch up');
    for (const node of NODES) {
      const host = partition.hosts.get(node)!;
      expect([host.stats.compactions, host.stats.snapshotsInstalled, host.raft(GROUP).log.snapshotIndex]).toEqual([0, 0, 0]);
    }
  });

  it('resumes after a restart of every node from its durable state, applying nothing twice', async () => {
    partition = new Partition();
    await partition.start();
    let leader = await partition.leader();
    for (let i = 0; i < 10; i++) await partition.write(leader, counterKey, increment());
    await waitFor(() => NODES.every((node) => partition!.counterOn(node) === 10), 'every replica to apply');
    await partition.stop();
    await partition.start();
    for (const node of NODES) expect(partition.machines.get(node)?.durableApplied).toBeGreaterThanOrEqual(11);
    leader = await partition.leader();
    const next = await partition.write(leader, counterKey, increment());
    expect((next as { attributes: Item }).attributes).toEqual({ n: { N: '11' } });
    await waitFor(() => NODES.every((node) => partition!.counterOn(node) === 11), 'every replica to apply after the restart');
  });
});
