import { SeededRandom } from '@shoal/base';
import { RaftNode, type Entry, type HardState, type Message, type NodeId, type RaftConfig, type Ready, type Snapshot, type StableEntries } from '@shoal/raft';

/**
 * A deterministic in-memory harness for Raft tests: it persists each node's ready() before
 * delivering its messages (the driver contract), applies committed entries, and can cut links,
 * crash and restart nodes from their persisted state.
 */
interface Persisted {
  hardState?: HardState;
  entries: Entry[];
  snapshot?: Snapshot;
}

export class Cluster {
  readonly nodes = new Map<NodeId, RaftNode>();
  readonly persisted = new Map<NodeId, Persisted>();
  readonly applied = new Map<NodeId, string[]>();
  readonly readStates = new Map<NodeId, { index: number; requestId: number }[]>();
  private readonly cut = new Set<string>();
  private readonly down = new Set<NodeId>();
  private queue: Message[] = [];
  /** Messages delivered so far, for assertions on traffic. */
  delivered: Message[] = [];
  /** Entries the nodes read back from their persisted logs (with `readBack`). */
  readsFromDisk = 0;

  constructor(
    readonly ids: NodeId[],
    private readonly seed = 1,
    private readonly overrides: Partial<RaftConfig> = {},
    voters: NodeId[] = ids,
    /** Give every node a reader of its persisted entries, so that applied entries leave memory. */
    private readonly readBack = false,
  ) {
    for (const id of ids) {
      this.persisted.set(id, { entries: [] });
      this.applied.set(id, []);
      this.readStates.set(id, []);
      this.nodes.set(id, this.create(id, { voters, learners: [] }));
    }
  }

  private create(id: NodeId, membership: { voters: NodeId[]; learners: NodeId[] }): RaftNode {
    const stored = this.persisted.get(id) as Persisted;
    return new RaftNode({
      id,
      membership,
      electionTick: 10,
      heartbeatTick: 2,
      random: new SeededRandom(this.seed * 100 + id),
      ...(stored.hardState ? { hardState: stored.hardState } : {}),
      entries: stored.entries,
      ...(stored.snapshot ? { snapshot: stored.snapshot.meta, applied: stored.snapshot.meta.index } : {}),
      ...(this.readBack ? { stableEntries: this.stableEntries(id) } : {}),
      ...this.overrides,
    });
  }

  private stableEntries(id: NodeId): StableEntries {
    return {
      entry: (index) => {
        this.readsFromDisk++;
        const entry = (this.persisted.get(id) as Persisted).entries.find((stored) => stored.index === index);
        if (!entry) throw new Error(`node ${id}: entry ${index} was never persisted`);
        return entry;
      },
    };
  }

  node(id: NodeId): RaftNode {
    return this.nodes.get(id) as RaftNode;
  }

  /** Persists a node's ready, applies its committed entries, queues its messages and advances. */
  process(id: NodeId, ready: Ready): void {
    const node = this.node(id);
    const stored = this.persisted.get(id) as Persisted;
    if (ready.snapshot) {
      stored.snapshot = ready.snapshot;
      stored.entries = [];
      this.applied.set(id, JSON.parse(new TextDecoder().decode(ready.snapshot.data)) as string[]);
    }
    if (ready.entries.length > 0) {
      const first = (ready.entries[0] as Entry).index;
      stored.entries = stored.entries.filter((entry) => entry.index < first).concat(ready.entries);
    }
    if (ready.hardState) stored.hardState = ready.hardState;
    for (const entry of ready.committedEntries) {
      if (entry.type === 'normal' && entry.data) (this.applied.get(id) as string[]).push(new TextDecoder().decode(entry.data));
    }
    (this.readStates.get(id) as { index: number; requestId: number }[]).push(...ready.readStates);
    this.queue.push(...ready.messages);
    node.advance(ready);
  }

  /** Processes every node's ready() and delivers messages until nothing moves (bounded). */
  stabilize(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      let moved = false;
      for (const [id, node] of this.nodes) {
        if (this.down.has(id) || !node.hasReady()) continue;
        moved = true;
        this.process(id, node.ready());
      }
      const messages = this.queue;
      this.queue = [];
      for (const message of messages) {
        if (this.down.has(message.to) || this.down.has(message.from) || this.cut.has(`${message.from}-${message.to}`)) continue;
        const target = this.nodes.get(message.to);
        if (!target) continue;
        moved = true;
        this.delivered.push(message);
        target.step(structuredClone(message));
      }
      if (!moved) return;
    }
    throw new Error('cluster did not stabilize');
  }

  tick(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const [id, node] of this.nodes) if (!this.down.has(id)) node.tick();
      this.stabilize();
    }
  }

  /** Ticks until some node leads (bounded); returns it. */
  electLeader(maxTicks = 200): NodeId {
    for (let i = 0; i < maxTicks; i++) {
      const leader = this.leader();
      if (leader !== undefined) return leader;
      this.tick();
    }
    throw new Error('no leader elected');
  }

  leader(): NodeId | undefined {
    let best: RaftNode | undefined;
    for (const [id, node] of this.nodes) {
      if (this.down.has(id) || node.role !== 'leader') continue;
      if (!best || node.term > best.term) best = node;
    }
    return best?.id;
  }

  propose(text: string): number {
    const leader = this.leader();
    if (leader === undefined) throw new Error('no leader');
    const index = this.node(leader).propose(new TextEncoder().encode(text));
    this.stabilize();
    return index;
  }

  isolate(id: NodeId): void {
    for (const other of this.ids) {
      if (other === id) continue;
      this.cut.add(`${id}-${other}`);
      this.cut.add(`${other}-${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  crash(id: NodeId): void {
    this.down.add(id);
  }

  restart(id: NodeId, membership: { voters: NodeId[]; learners: NodeId[] } = { voters: this.ids, learners: [] }): void {
    this.down.delete(id);
    const stored = this.persisted.get(id) as Persisted;
    // A restarted node re-applies its committed log from its snapshot on.
    this.applied.set(id, stored.snapshot ? (JSON.parse(new TextDecoder().decode(stored.snapshot.data)) as string[]) : []);
    this.nodes.set(id, this.create(id, membership));
  }

  /** Adds a node (not yet a member) to the harness. */
  add(id: NodeId, membership: { voters: NodeId[]; learners: NodeId[] }): void {
    this.persisted.set(id, { entries: [] });
    this.applied.set(id, []);
    this.readStates.set(id, []);
    this.nodes.set(id, this.create(id, membership));
    (this.ids as NodeId[]).push(id);
  }
}
