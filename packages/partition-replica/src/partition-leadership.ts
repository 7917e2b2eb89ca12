import { NotLeaderError } from '@shoal/raft';
import type { RaftHost } from '@shoal/raft-host';
import { PartitionStore } from '@shoal/partition';
import type { PrefixedEngine, WriteOp } from '@shoal/storage';
import { ProposalWriter } from './proposal-writer.js';

export interface LeadershipOptions {
  /** Prepares a new leader's store before it serves (statistics, index maintenance). */
  setup?: (store: PartitionStore) => Promise<void>;
  itemCollectionBytesMax?: number;
}

interface Term {
  term: number;
  writer: ProposalWriter;
  store: Promise<PartitionStore>;
  ready?: PartitionStore;
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

  constructor(
    private readonly host: RaftHost,
    readonly group: number,
    readonly keyspace: PrefixedEngine,
    private readonly options: LeadershipOptions = {},
  ) {}

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
    if (current && current.term === raft.term && !current.ready?.failed) return current.store;
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
