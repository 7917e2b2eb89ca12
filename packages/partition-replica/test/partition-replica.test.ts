import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '@shoal/base';
import { prepareExpressions } from '@shoal/expressions';
import type { Item } from '@shoal/model';
import type { WriteCommand } from '@shoal/partition';
import { ProposalDroppedError } from '@shoal/raft';
import { InMemoryNetwork, RaftHost } from '@shoal/raft-host';
import { MemoryEngine } from '@shoal/storage';
import { waitFor } from '@shoal/testkit';
import { encodeWrite, PartitionReplica } from '../src/index.js';

const NODES = [1, 2, 3];
const GROUP = 7;
const shape = { partitionKey: { name: 'pk', type: 'S' as const } };
const counterKey: Item = { pk: { S: 'counter' } };
const counterOn = (replica: PartitionReplica | undefined) => JSON.stringify(replica?.getItem(1, shape, counterKey)?.n);
const counterIs = (value: number) => JSON.stringify({ N: String(value) });

function increment(): WriteCommand {
  const { update } = prepareExpressions({ UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } } });
  return { kind: 'update', key: counterKey, update: update!, returnValues: 'UPDATED_NEW', returnItemOnConditionFailure: false };
}

function putIfAbsent(item: Item): WriteCommand {
  const { condition } = prepareExpressions({ ConditionExpression: 'attribute_not_exists(pk)' });
  return { kind: 'put', item, condition: condition!, returnValues: 'NONE', returnItemOnConditionFailure: true };
}

class ReplicatedPartition {
  readonly network = new InMemoryNetwork();
  readonly engines = new Map(NODES.map((node) => [node, new MemoryEngine()]));
  hosts = new Map<number, RaftHost>();
  replicas = new Map<number, PartitionReplica>();

  async start(): Promise<void> {
    for (const node of NODES) {
      const engine = this.engines.get(node) as MemoryEngine;
      const host = new RaftHost({ node, engine, transport: this.network.transport(node), tickMs: 5, random: new SeededRandom(node), snapshotEvery: Infinity });
      const replica = await PartitionReplica.open(engine, GROUP);
      await host.addGroup(GROUP, { voters: NODES, learners: [] }, replica);
      this.hosts.set(node, host);
      this.replicas.set(node, replica);
    }
  }

  async leader(): Promise<RaftHost> {
    await waitFor(() => [...this.hosts.values()].some((host) => host.raft(GROUP).role === 'leader'), 'a leader');
    return [...this.hosts.values()].find((host) => host.raft(GROUP).role === 'leader') as RaftHost;
  }

  write(host: RaftHost, key: Item, command: WriteCommand): Promise<unknown> {
    return host.propose(GROUP, encodeWrite({ tableNumber: 1, shape, key, command }));
  }

  async stop(): Promise<void> {
    for (const host of this.hosts.values()) await host.close();
    this.hosts.clear();
  }
}

let partition: ReplicatedPartition | undefined;
afterEach(async () => {
  await partition?.stop();
  partition = undefined;
});

describe('a partition replicated through Raft', () => {
  it('applies each write once on every replica, with the same outcome the proposer gets', async () => {
    partition = new ReplicatedPartition();
    await partition.start();
    const leader = await partition.leader();
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => partition!.write(leader, counterKey, increment())));
    // Pipelined increments still apply in log order: each sees the previous one.
    expect(outcomes.map((outcome) => (outcome as { attributes: Item }).attributes)).toEqual(Array.from({ length: 20 }, (_, i) => ({ n: { N: String(i + 1) } })));
    const first = await partition.write(leader, { pk: { S: 'song' } }, putIfAbsent({ pk: { S: 'song' }, v: { S: 'first' } }));
    const second = await partition.write(leader, { pk: { S: 'song' } }, putIfAbsent({ pk: { S: 'song' }, v: { S: 'second' } }));
    expect(first).toMatchObject({ status: 'applied' });
    expect(second).toEqual({ status: 'conditionFailed', item: { pk: { S: 'song' }, v: { S: 'first' } } });
    await waitFor(() => NODES.every((node) => counterOn(partition?.replicas.get(node)) === counterIs(20)), 'every replica to apply');
    for (const node of NODES) expect(partition.replicas.get(node)?.getItem(1, shape, { pk: { S: 'song' } })).toEqual({ pk: { S: 'song' }, v: { S: 'first' } });
  });

  it('keeps every acknowledged increment, and no more than were attempted, across a leader failover', async () => {
    partition = new ReplicatedPartition();
    await partition.start();
    const first = await partition.leader();
    let acknowledged = 0;
    let dropped = 0; // definitely not applied (another leader's entry took the index)
    let failed = 0;
    const attempt = (host: RaftHost) =>
      partition!.write(host, counterKey, increment()).then(
        () => acknowledged++,
        (error: unknown) => (error instanceof ProposalDroppedError ? dropped++ : failed++),
      );
    const before = Array.from({ length: 30 }, () => attempt(first));
    // Cut the leader off with proposals in flight; the others elect a new leader and go on.
    partition.network.isolate(first.node, NODES);
    await waitFor(() => [...partition!.hosts.values()].some((host) => host !== first && host.raft(GROUP).role === 'leader'), 'a new leader');
    const second = [...partition.hosts.values()].find((host) => host !== first && host.raft(GROUP).role === 'leader') as RaftHost;
    const after = Array.from({ length: 30 }, () => attempt(second));
    await Promise.all(after);
    partition.network.heal();
    await Promise.race([Promise.all(before), new Promise((resolve) => setTimeout(resolve, 3000))]);
    const unresolved = 60 - acknowledged - dropped - failed;
    const counter = () => Number((partition!.replicas.get(second.node)?.getItem(1, shape, counterKey)?.n as { N: string } | undefined)?.N ?? 0);
    await waitFor(() => NODES.every((node) => counterOn(partition?.replicas.get(node)) === counterOn(partition?.replicas.get(second.node))), 'the replicas to agree');
    console.log(`failover: ${acknowledged} acknowledged, ${dropped} dropped, ${failed} failed, ${unresolved} unresolved, counter ${counter()}`);
    expect(acknowledged).toBeGreaterThanOrEqual(30);
    expect(counter()).toBeGreaterThanOrEqual(acknowledged);
    // Each increment applied at most once: outcomes that are not known add at most one each.
    expect(counter()).toBeLessThanOrEqual(acknowledged + unresolved + failed);
    expect(acknowledged + dropped + failed + unresolved).toBe(60);
  });

  it('resumes after a restart of every node from its durable state, applying nothing twice', async () => {
    partition = new ReplicatedPartition();
    await partition.start();
    let leader = await partition.leader();
    for (let i = 0; i < 10; i++) await partition.write(leader, counterKey, increment());
    await waitFor(() => NODES.every((node) => counterOn(partition?.replicas.get(node)) === counterIs(10)), 'every replica to apply');
    await partition.stop();
    await partition.start();
    for (const node of NODES) expect(partition.replicas.get(node)?.durableApplied).toBeGreaterThanOrEqual(11);
    leader = await partition.leader();
    const next = await partition.write(leader, counterKey, increment());
    expect((next as { attributes: Item }).attributes).toEqual({ n: { N: '11' } });
    await waitFor(() => NODES.every((node) => counterOn(partition?.replicas.get(node)) === counterIs(11)), 'every replica to apply after the restart');
  });
});
