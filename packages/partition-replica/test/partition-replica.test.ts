import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeededRandom } from '@shoal/base';
import { prepareExpressions } from '@shoal/expressions';
import type { Item } from '@shoal/model';
import { decodeItem, itemStorageKey, type TableHandle, type WriteCommand } from '@shoal/partition';
import { NotLeaderError, ProposalDroppedError } from '@shoal/raft';
import { InMemoryNetwork, RaftHost } from '@shoal/raft-host';
import { MemoryEngine, type WriteOp } from '@shoal/storage';
import { waitFor } from '@shoal/testkit';
import { decodeOps, encodeOps, PartitionLeadership, ReplicatedKeyspace } from '../src/index.js';

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

  async start(): Promise<void> {
    for (const node of NODES) {
      const engine = this.engines.get(node) as MemoryEngine;
      const host = new RaftHost({ node, engine, transport: this.network.transport(node), tickMs: 5, random: new SeededRandom(node), snapshotEvery: Infinity });
      const machine = await ReplicatedKeyspace.open(engine, GROUP);
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
        expect(decodeOps(encodeOps(ops as WriteOp[]))).toEqual(ops);
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
    await engine.write(first, { sync: false });
    expect(machine.takeWrites()).toEqual([]);
    machine.apply(encodeOps([]), 6);
    expect(shown(machine.takeWrites())).toEqual([['put', '\x40\x00\x00\x00\x07!', '6']]);
    expect((await ReplicatedKeyspace.open(engine, GROUP)).durableApplied).toBe(5);
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
    const leaderNode = [...partition.replicas].find(([, replica]) => replica === leader)![0];
    const follower = [...partition.replicas].find(([node]) => node !== leaderNode)![1];
    await waitFor(() => follower.leaderHint === leaderNode, 'the follower to learn the leader');
    await expect(follower.leaderStore()).rejects.toEqual(new NotLeaderError(leaderNode));
  });

  it('keeps every acknowledged increment, and no more than were attempted, across a leader failover', async () => {
    partition = new Partition();
    await partition.start();
    const first = await partition.leader();
    const firstNode = [...partition.replicas].find(([, replica]) => replica === first)![0];
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
    const secondNode = [...partition.replicas].find(([, replica]) => replica === second)![0];
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
