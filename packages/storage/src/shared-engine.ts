import { canReadSync, type Bytes, type KeyRange, type StorageEngine, type SyncReadableEngine, type WriteOp, type WriteOptions } from './engine.js';
import { GroupCommitWriter, type GroupCommitOptions } from './group-commit.js';
import { PrefixedEngine } from './prefixed-engine.js';

/**
 * One engine shared by the storage nodes of one process (the embedded cluster, whose nodes share
 * one disk anyway): each node gets a keyspace of its own (`view`), and the synced writes that
 * the nodes issue within one turn of the event loop go out as one synced batch (group commit),
 * so the replicas of a write share fsyncs of one WAL instead of paying one each. Each node's
 * batch stays atomic and in order (a combined batch is atomic as a whole). Unsynced writes (the
 * replicas' applied state) are combined too, but on a microtask: the hosts resuming from one
 * synced write issue theirs together, and none waits for a turn of the loop (docs/decisions/0007).
 */
export class SharedEngine {
  private readonly commit: GroupCommitWriter;
  private readonly shared: SyncReadableEngine;

  /**
   * `drainOn: 'microtask'` when the nodes' Raft hosts start their rounds together (a
   * RoundScheduler): their synced writes then share an fsync in the turn they were issued.
   */
  constructor(
    private readonly engine: StorageEngine,
    options: Pick<GroupCommitOptions, 'drainOn'> = {},
  ) {
    // The Raft hosts cannot shed load: a refused synced write would stop a node. Never refuse.
    this.commit = new GroupCommitWriter(engine, { queueOpsMax: Number.MAX_SAFE_INTEGER, ...options });
    this.shared = new SharedWrites(engine, this.commit);
  }

  /** The keyspace of one node: its keys behind `prefix`; closing it leaves the engine open. */
  view(prefix: Bytes): StorageEngine {
    return new PrefixedEngine(this.shared, prefix);
  }

  /** Synced batches written and the operations they carried. */
  get stats(): { syncs: number; ops: number; refused: number } {
    return this.commit.stats;
  }

  /** Closes the engine once every queued synced write is written (the nodes are closed first). */
  async close(): Promise<void> {
    await this.commit.idle();
    await this.engine.close();
  }
}

/** The shared engine as each node sees it: synced writes through the group commit, close a no-op. */
class SharedWrites implements SyncReadableEngine {
  constructor(
    private readonly engine: StorageEngine,
    private readonly commit: GroupCommitWriter,
  ) {}

  get(key: Bytes): Promise<Bytes | undefined> {
    return this.engine.get(key);
  }

  getSync(key: Bytes): Bytes | undefined {
    if (!canReadSync(this.engine)) throw new Error('the shared engine cannot read synchronously');
    return this.engine.getSync(key);
  }

  getMany(keys: readonly Bytes[]): Promise<(Bytes | undefined)[]> {
    return this.engine.getMany(keys);
  }

  /** Unsynced writes issued since the last microtask, written together by `writeUnsynced`. */
  private unsynced: { ops: readonly WriteOp[]; resolve: () => void; reject: (error: unknown) => void }[] = [];

  write(ops: readonly WriteOp[], options: WriteOptions): Promise<void> {
    if (options.sync) return this.commit.write(ops);
    return new Promise((resolve, reject) => {
      if (this.unsynced.length === 0) queueMicrotask(() => this.writeUnsynced());
      this.unsynced.push({ ops, resolve, reject });
    });
  }

  private writeUnsynced(): void {
    const group = this.unsynced;
    this.unsynced = [];
    const ops = group.length === 1 ? group[0]!.ops : group.flatMap((waiter) => waiter.ops);
    const fail = (error: unknown) => {
      for (const waiter of group) waiter.reject(error);
    };
    try {
      this.engine.write(ops, { sync: false }).then(() => {
        for (const waiter of group) waiter.resolve();
      }, fail);
    } catch (error) {
      fail(error); // an engine that throws instead of rejecting
    }
  }

  iterate(range: KeyRange): AsyncIterable<[Bytes, Bytes]> {
    return this.engine.iterate(range);
  }

  async close(): Promise<void> {}
}
