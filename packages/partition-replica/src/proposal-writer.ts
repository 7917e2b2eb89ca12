import { NotLeaderError, ProposalDroppedError } from '@shoal/raft';
import type { RaftHost } from '@shoal/raft-host';
import type { DurableWriter } from '@shoal/partition';
import { GROUP_COMMIT_QUEUE_OPS_MAX, type WriteOp } from '@shoal/storage';
import { encodeOps } from './ops-codec.js';

/**
 * The durable writer of a leader's partition store: a batch is proposed to the group and the
 * write resolves once it is committed on a majority (each of whose logs is fsynced) and applied
 * here. Bound to one term: after a leadership change it proposes nothing, because its store
 * evaluated writes against a state the new term may not have.
 */
export class ProposalWriter implements DurableWriter {
  private inFlightOps = 0;
  private idleWaiters: (() => void)[] = [];
  private fenced = false;

  constructor(
    private readonly host: RaftHost,
    private readonly group: number,
    readonly term: number,
    private readonly maxInFlightOps = GROUP_COMMIT_QUEUE_OPS_MAX,
  ) {}

  accepts(opsCount: number): boolean {
    return this.inFlightOps + opsCount <= this.maxInFlightOps;
  }

  /**
   * Refuses every later write: its store evaluated against a range the group has since changed
   * (a split froze or removed part of it). Writes already proposed still complete.
   */
  fence(): void {
    this.fenced = true;
  }

  write(ops: WriteOp[]): Promise<void> {
    if (this.fenced) return Promise.reject(new ProposalDroppedError('the partition range changed while the write was evaluated'));
    const raft = this.host.raft(this.group);
    if (raft.role !== 'leader' || raft.term !== this.term) return Promise.reject(new NotLeaderError(raft.leader));
    let proposal: Promise<unknown>;
    try {
      proposal = this.host.propose(this.group, encodeOps(ops));
    } catch (error) {
      return Promise.reject(error);
    }
    this.inFlightOps += ops.length;
    const settle = () => {
      this.inFlightOps -= ops.length;
      if (this.inFlightOps === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    };
    return proposal.then(settle, (error: unknown) => {
      settle();
      throw error;
    });
  }

  /** Resolves once no proposal of this writer is in flight. */
  idle(): Promise<void> {
    if (this.inFlightOps === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
