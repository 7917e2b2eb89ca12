import { NotLeaderError } from '@shoal/raft';
import type { RaftHost } from '@shoal/raft-host';
import { PartitionStore } from '@shoal/partition';
import type { PrefixedEngine, WriteOp } from '@shoal/storage';
import { ProposalWriter } from './proposal-writer.js';
import { contains, describeRange, ownerToken, StaleRangeError, type PartitionKeyOf, type TokenRange } from './key-range.js';
import type { ReplicatedKeyspace } from './replicated-keyspace.js';

export interface LeadershipOptions {
  /** Prepares a new leader's store before it serves (statistics, index maintenance). */
  setup?: (store: PartitionStore) => Promise<void>;
  itemCollectionBytesMax?: number;
  /** Table partition key names, to tell which partition an index entry belongs to while a split is under way. */
  partitionKeyOf?: PartitionKeyOf;
}

interface Term {
  term: number;
  writer: ProposalWriter;
  store: Promise<PartitionStore>;
  ready?: PartitionStore;
  /** The range changed under this store: it proposes nothing more, and the next request builds another. */
  fenced?: boolean;
}

/** What a scan of this replica may return: the range generation it started in, and which records to keep. */
export interface ScanView {
  generation: number;
  keep?: (key: Uint8Array, value: Uint8Array) => boolean;
}

/**
 * The partition store of this replica while it leads its group. The store evaluates writes
 * (conditions, update expressions) against the state of the log as this leader has it, and
 * proposes the resulting write batches; it is built afresh for each term, once the term's first
 * entry is applied (so the keyspace holds every committed write), and abandoned when the term
 * ends. Followers serve nothing from here.
 */
export class PartitionLeadership {
  private current: Term | undefined;
  private conditional: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly host: RaftHost,
    readonly group: number,
    readonly machine: ReplicatedKeyspace,
    private readonly options: LeadershipOptions = {},
  ) {
    machine.onRangeChange(() => this.fence());
  }

  get keyspace(): PrefixedEngine {
    return this.machine.keyspace;
  }

  /**
   * A split changed the range: writes this term's store evaluated may concern tokens it no
   * longer serves, so its writer refuses to propose them (the router retries), and the next
   * request gets a store built after the writer's last proposal settled.
   */
  private fence(): void {
    if (!this.current) return;
    this.current.writer.fence();
    this.current.fenced = true;
  }

  /** Throws StaleRangeError unless this replica serves `token` (for a write: and it is not frozen). */
  checkToken(token: bigint, forWrite: boolean): void {
    const range = this.machine.range;
    if (!range) return;
    if (!contains(range, token)) throw new StaleRangeError(`token ${token}: it serves ${describeRange(range)}`);
    if (forWrite && range.frozenFrom !== undefined && token >= range.frozenFrom) throw new StaleRangeError(`writes at token ${token}: a split froze tokens from ${range.frozenFrom}`);
  }

  /** Throws StaleRangeError when the range changed since a read started at `generation`. */
  checkGeneration(generation: number): void {
    if (this.machine.rangeGeneration !== generation) throw new StaleRangeError('the range a read started in: a split changed it');
  }

  /**
   * Starts a scan for a router that believes this partition owns `owned`: refused when this
   * replica no longer serves all of it; while a split is under way (the upper half frozen here
   * and already served by the new partition too, or being deleted here), only records owned by
   * `owned` are kept, so a router on the newer map sees no record twice.
   */
  scanView(owned: TokenRange | undefined): ScanView {
    const range = this.machine.range;
    const generation = this.machine.rangeGeneration;
    if (!range || !owned) return { generation };
    if (owned.start < range.start || owned.end > range.end) throw new StaleRangeError(`${describeRange(owned)}: it serves ${describeRange(range)}`);
    // frozenFrom also marks the upper half's leftovers while a finished split deletes them.
    if (range.frozenFrom === undefined) return { generation };
    const partitionKeyOf = this.options.partitionKeyOf ?? (() => undefined);
    return {
      generation,
      keep: (key, value) => {
        const token = ownerToken(key, value, partitionKeyOf);
        return token === undefined || contains(owned, token);
      },
    };
  }

  get isLeader(): boolean {
    return this.host.raft(this.group).role === 'leader';
  }

  /** The node this replica believes leads the group (0 when it knows none). */
  get leaderHint(): number {
    return this.host.raft(this.group).leader;
  }

  /** This term's store; rejects with NotLeaderError (and the leader's id, when known) on a follower. */
  leaderStore(): Promise<PartitionStore> {
    const raft = this.host.raft(this.group);
    if (raft.role !== 'leader') return Promise.reject(new NotLeaderError(raft.leader));
    const current = this.current;
    if (current && current.term === raft.term && !current.fenced && !current.ready?.failed) return current.store;
    const previous = current?.writer;
    const writer = new ProposalWriter(this.host, this.group, raft.term);
    const term: Term = { term: raft.term, writer, store: this.openStore(writer, previous) };
    this.current = term;
    term.store.then(
      (store) => {
        term.ready = store;
      },
      () => {
        if (this.current === term) this.current = undefined;
      },
    );
    return term.store;
  }

  /** This term's store, once every write committed before the call is applied here (ReadIndex). */
  async consistentStore(): Promise<PartitionStore> {
    const store = await this.leaderStore();
    await this.host.linearizableRead(this.group);
    return store;
  }

  /** The raw keyspace, once every write committed before the call is applied here (for metadata). */
  async consistentKeyspace(): Promise<PrefixedEngine> {
    await this.host.linearizableRead(this.group);
    return this.keyspace;
  }

  /**
   * Proposes `ops` only if `key` holds `expected` (undefined: absent) once every committed write
   * is applied; resolves whether it did. Conditional proposals of this replica run one at a
   * time, so two cannot both see the same value; a new leader's first one waits for its term's
   * first entry, by which every proposal of an earlier leader is committed or gone.
   */
  proposeWritesIf(key: Uint8Array, expected: Uint8Array | undefined, ops: WriteOp[]): Promise<boolean> {
    const run = async () => {
      const current = await (await this.consistentKeyspace()).get(key);
      if (!sameBytes(current, expected)) return false;
      await this.proposeWrites(ops);
      return true;
    };
    const result = this.conditional.then(run, run);
    this.conditional = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Proposes a raw write batch (for metadata, whose writer serialises its own changes). */
  proposeWrites(ops: WriteOp[]): Promise<void> {
    const raft = this.host.raft(this.group);
    if (raft.role !== 'leader') return Promise.reject(new NotLeaderError(raft.leader));
    return new ProposalWriter(this.host, this.group, raft.term).write(ops);
  }

  private async openStore(writer: ProposalWriter, previous: ProposalWriter | undefined): Promise<PartitionStore> {
    // A store that failed in this same term may still have proposals in flight: a new one must
    // see their outcome before it evaluates anything.
    if (previous && previous.term === writer.term) await previous.idle();
    await this.host.linearizableRead(this.group);
    const store = new PartitionStore(this.keyspace, writer, this.options.itemCollectionBytesMax);
    await this.options.setup?.(store);
    return store;
  }
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
