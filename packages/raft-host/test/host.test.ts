import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '@shoal/base';
import { MemoryEngine, type WriteOp, type WriteOptions } from '@shoal/storage';
import { waitFor } from '@shoal/testkit';
import { decodeHardState, GroupLog, InMemoryNetwork, RAFT_PREFIX, RaftHost, RegisterMachine, type HostOptions, type StateMachine } from '../src/index.js';

const NODES = [1, 2, 3];
const membership = { voters: NODES, learners: [] };

class TestCluster {
  readonly network = new InMemoryNetwork();
  readonly engines = new Map(NODES.map((node) => [node, new MemoryEngine()]));
  readonly hosts = new Map<number, RaftHost>();
  readonly machines = new Map<string, RegisterMachine>();

  constructor(readonly groups: number[], private readonly options: Partial<HostOptions> = {}) {}

  async start(node: number): Promise<RaftHost> {
    const host = new RaftHost({ node, engine: this.engines.get(node) as MemoryEngine, transport: this.network.transport(node), tickMs: 5, random: new SeededRandom(node), ...this.options });
    for (const group of this.groups) {
      const machine = new RegisterMachine();
      this.machines.set(`${node}/${group}`, machine);
      await host.addGroup(group, membership, machine);
    }
    this.hosts.set(node, host);
    return host;
  }

  async stop(node: number): Promise<void> {
    await this.hosts.get(node)?.close();
    this.hosts.delete(node);
  }

  leader(group: number): RaftHost | undefined {
    return [...this.hosts.values()].find((host) => host.raft(group).role === 'leader');
  }

  async waitForLeader(group: number, except?: number): Promise<RaftHost> {
    await waitFor(() => this.leader(group) !== undefined && this.leader(group)?.node !== except, `a leader of group ${group}`);
    return this.leader(group) as RaftHost;
  }

  values(node: number, group: number): Map<string, string> {
    return (this.machines.get(`${node}/${group}`) as RegisterMachine).values;
  }

  async close(): Promise<void> {
    for (const node of [...this.hosts.keys()]) await this.stop(node);
  }
}

/** An engine that notes the hard states each write carried, and whether the write was synced. */
class HardStateRecorder extends MemoryEngine {
  readonly writes: { sync: boolean; commits: number[] }[] = [];

  override write(ops: readonly WriteOp[], options: WriteOptions): Promise<void> {
    // Hard state keys: RAFT_PREFIX | group (4 bytes) | kind 0x01.
    const hardStates = ops.filter((op) => op.type === 'put' && op.key.length === 6 && op.key[0] === RAFT_PREFIX && op.key[5] === 0x01);
    const commits = hardStates.map((op) => decodeHardState((op as { value: Uint8Array }).value).commit);
    if (commits.length > 0) this.writes.push({ sync: options.sync, commits });
    return super.write(ops, options);
  }
}

/**
 * A register whose state lives in the node's engine (as a partition replica's does): its values
 * and applied index are written with each round, so a restart applies nothing before that index.
 */
class StoredRegister implements StateMachine {
  private queued: WriteOp[] = [];
  private applied: number;

  private constructor(
    private readonly engine: MemoryEngine,
    readonly durableApplied: number,
  ) {
    this.applied = durableApplied;
  }

  static async open(engine: MemoryEngine): Promise<StoredRegister> {
    const applied = await engine.get(StoredRegister.APPLIED);
    return new StoredRegister(engine, applied ? Number(new TextDecoder().decode(applied)) : 0);
  }

  private static readonly APPLIED = Uint8Array.of(0x70, 0);

  apply(data: Uint8Array, index: number): undefined {
    const [key, value] = new TextDecoder().decode(data).split('=') as [string, string];
    this.queued.push({ type: 'put', key: new TextEncoder().encode(`\x71${key}`), value: new TextEncoder().encode(value) });
    this.applied = index;
    return undefined;
  }

  takeWrites(): WriteOp[] {
    const ops = [...this.queued, { type: 'put' as const, key: StoredRegister.APPLIED, value: new TextEncoder().encode(String(this.applied)) }];
    this.queued = [];
    return ops;
  }

  async value(key: string): Promise<string | undefined> {
    const value = await this.engine.get(new TextEncoder().encode(`\x71${key}`));
    return value && new TextDecoder().decode(value);
  }

  snapshot(): Uint8Array {
    throw new Error('not used: the hosts of this test take no snapshots');
  }

  restore(): void {
    throw new Error('not used: the hosts of this test take no snapshots');
  }
}

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe('multi-Raft host', () => {
  it('replicates many groups with one synced write per round for all of them', async () => {
    cluster = new TestCluster([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const node of NODES) await cluster.start(node);
    const writes: Promise<unknown>[] = [];
    for (const group of cluster.groups) {
      const leader = await cluster.waitForLeader(group);
      for (let i = 0; i < 50; i++) writes.push(leader.propose(group, RegisterMachine.command(`k${i}`, `g${group}v${i}`)));
    }
    const indexes = await Promise.all(writes);
    expect(indexes.every((index) => typeof index === 'number' && index > 1)).toBe(true);
    for (const group of cluster.groups) {
      await waitFor(() => NODES.every((node) => cluster?.values(node, group).size === 50), `group ${group} applied on every node`);
      for (const node of NODES) expect(cluster.values(node, group).get('k49')).toBe(`g${group}v49`);
    }
    // 400 proposals, each persisted on three nodes, in far fewer synced writes.
    const syncs = [...cluster.hosts.values()].reduce((sum, host) => sum + host.stats.syncs, 0);
    expect(syncs).toBeLessThan(400);
  });

  it('recovers every group from its log and snapshot after a restart of every node', async () => {
    cluster = new TestCluster([1, 2], { snapshotEvery: 16 });
    for (const node of NODES) await cluster.start(node);
    for (const group of cluster.groups) {
      const leader = await cluster.waitForLeader(group);
      for (let i = 0; i < 40; i++) await leader.propose(group, RegisterMachine.command(`k${i % 7}`, `v${i}`));
      await waitFor(() => NODES.every((node) => cluster?.values(node, group).get('k4') === 'v39'), `group ${group} applied everywhere`);
    }
    const before = NODES.flatMap((node) => cluster?.groups.map((group) => [...(cluster as TestCluster).values(node, group)].sort()));
    for (const node of NODES) await cluster.stop(node);
    for (const node of NODES) await cluster.start(node);
    for (const group of cluster.groups) {
      await waitFor(() => NODES.every((node) => cluster?.values(node, group).get('k4') === 'v39'), `group ${group} restored`);
    }
    const after = NODES.flatMap((node) => cluster?.groups.map((group) => [...(cluster as TestCluster).values(node, group)].sort()));
    expect(after).toEqual(before);
    // The restarted cluster keeps accepting writes.
    const leader = await cluster.waitForLeader(1);
    await leader.propose(1, RegisterMachine.command('after', 'restart'));
    await waitFor(() => NODES.every((node) => cluster?.values(node, 1).get('after') === 'restart'), 'the write after the restart');
  });

  it('writes a hard state that only moves the commit index without a sync, and restarts from it', async () => {
    cluster = new TestCluster([1]);
    const recorders = NODES.map((node) => {
      const recorder = new HardStateRecorder();
      cluster?.engines.set(node, recorder);
      return recorder;
    });
    for (const node of NODES) await cluster.start(node);
    const leader = await cluster.waitForLeader(1);
    await leader.propose(1, RegisterMachine.command('warm', 'up'));
    await waitFor(() => NODES.every((node) => cluster?.values(node, 1).get('warm') === 'up'), 'the first write everywhere');
    // From here on neither term nor vote changes: every hard state written only moves the commit.
    for (const recorder of recorders) recorder.writes.length = 0;
    for (let i = 0; i < 5; i++) await leader.propose(1, RegisterMachine.command('k', String(i)));
    await waitFor(() => NODES.every((node) => cluster?.values(node, 1).get('k') === '4'), 'the writes everywhere');
    const written = recorders.flatMap((recorder) => recorder.writes);
    expect(written.length).toBeGreaterThan(0);
    expect(written.filter((write) => write.sync)).toEqual([]);
    const lastIndex = leader.raft(1).log.lastIndex();
    expect(Math.max(...recorders[leader.node - 1]!.writes.flatMap((write) => write.commits))).toBe(lastIndex);
    // The stored commit index is where a restarted node starts from; the values come back.
    for (const node of NODES) await cluster.stop(node);
    const stored = await GroupLog.open(recorders[leader.node - 1]!, 1);
    expect(stored.persisted.hardState?.commit).toBe(lastIndex);
    for (const node of NODES) await cluster.start(node);
    await waitFor(() => NODES.every((node) => cluster?.values(node, 1).get('k') === '4'), 'the values after a restart');
  });

  it('restarts a node with state in its engine without reading its applied log into memory, membership changes included', async () => {
    const network = new InMemoryNetwork();
    const engines = new Map(NODES.map((node) => [node, new MemoryEngine()]));
    const hosts = new Map<number, RaftHost>();
    const machines = new Map<number, StoredRegister>();
    const start = async (node: number) => {
      const host = new RaftHost({ node, engine: engines.get(node)!, transport: network.transport(node), tickMs: 5, random: new SeededRandom(node), snapshotEvery: Infinity });
      const machine = await StoredRegister.open(engines.get(node)!);
      await host.addGroup(1, membership, machine);
      hosts.set(node, host);
      machines.set(node, machine);
      return host;
    };
    const leaderOf = async () => {
      await waitFor(() => [...hosts.values()].some((host) => host.raft(1).role === 'leader'), 'a leader');
      return [...hosts.values()].find((host) => host.raft(1).role === 'leader')!;
    };
    try {
      for (const node of NODES) await start(node);
      let leader = await leaderOf();
      for (let i = 0; i < 20; i++) await leader.propose(1, RegisterMachine.command('k', `a${i}`));
      // Node 3 leaves the group: a configuration entry in the middle of the log.
      const leaving = NODES.find((node) => node !== leader.node)!;
      await leader.proposeConfigChange(1, { kind: 'remove', node: leaving });
      const staying = NODES.filter((node) => node !== leaving);
      for (let i = 0; i < 20; i++) await leader.propose(1, RegisterMachine.command('k', `b${i}`));
      await waitFor(() => staying.every((node) => hosts.get(node)!.raft(1).log.applied === leader.raft(1).log.lastIndex()), 'the writes applied on both');
      const lastIndex = leader.raft(1).log.lastIndex();
      for (const host of hosts.values()) await host.close();
      hosts.clear();

      for (const node of staying) await start(node);
      for (const node of staying) {
        const log = hosts.get(node)!.raft(1).log;
        // Only the last applied entry came back into memory; the rest stayed on disk.
        expect([log.firstIndexInMemory, log.lastIndex(), log.entriesInMemory]).toEqual([lastIndex, lastIndex, 1]);
        expect(hosts.get(node)!.raft(1).membership).toEqual({ voters: staying, learners: [] });
      }
      leader = await leaderOf();
      await leader.propose(1, RegisterMachine.command('k', 'after'));
      for (const node of staying) await waitFor(async () => (await machines.get(node)!.value('k')) === 'after', `node ${node} applies a write after the restart`);
    } finally {
      for (const host of hosts.values()) await host.close();
    }
  });

  it('fails over when the leader is cut off, and the old leader catches up by snapshot', async () => {
    cluster = new TestCluster([1], { snapshotEvery: 8 });
    for (const node of NODES) await cluster.start(node);
    const first = await cluster.waitForLeader(1);
    await first.propose(1, RegisterMachine.command('a', '1'));
    cluster.network.isolate(first.node, NODES);
    const second = await cluster.waitForLeader(1, first.node);
    for (let i = 0; i < 30; i++) await second.propose(1, RegisterMachine.command('b', String(i)));
    await second.linearizableRead(1);
    expect(cluster.values(second.node, 1).get('b')).toBe('29');
    cluster.network.heal();
    await waitFor(() => cluster?.values(first.node, 1).get('b') === '29', 'the old leader to catch up');
    expect(first.raft(1).role).toBe('follower');
    expect(first.raft(1).log.snapshotIndex).toBeGreaterThan(0);
  });

  it('drops garbled messages from the network and keeps working', async () => {
    cluster = new TestCluster([1]);
    for (const node of NODES) await cluster.start(node);
    const leader = await cluster.waitForLeader(1);
    const intruder = cluster.network.transport(9);
    const garbage = [
      { type: 'append', from: 9, to: leader.node, term: 99, index: 1, logTerm: 1, entries: [{ index: 5, term: 1, type: 'normal', data: null }] },
      { type: 'bogus', from: 2, to: leader.node, term: 1 },
      { type: 'appendResponse', from: 2, to: leader.node, term: Number.NaN, index: 3 },
      { type: 'snapshot', from: 2, to: leader.node, term: 5 },
    ];
    intruder.send(leader.node, garbage.map((message) => ({ group: 1, message: message as never })));
    await waitFor(() => leader.stats.malformedMessages === 4, 'the garbled messages to be dropped');
    await leader.propose(1, RegisterMachine.command('still', 'working'));
    await waitFor(() => NODES.every((node) => cluster?.values(node, 1).get('still') === 'working'), 'a write after the garbage');
  });

  it('answers a proposal on a follower with NotLeader naming the leader', async () => {
    cluster = new TestCluster([1]);
    for (const node of NODES) await cluster.start(node);
    const leader = await cluster.waitForLeader(1);
    await leader.propose(1, RegisterMachine.command('x', 'y'));
    const follower = [...cluster.hosts.values()].find((host) => host !== leader) as RaftHost;
    await waitFor(() => follower.raft(1).leader === leader.node, 'the follower to know its leader');
    expect(() => follower.propose(1, RegisterMachine.command('x', 'z'))).toThrow(`not the leader (leader: ${leader.node})`);
  });
});
