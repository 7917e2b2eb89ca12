import type { StateMachine } from '@shoal/raft-host';
import { PrefixedEngine, type StorageEngine, type WriteOp } from '@shoal/storage';
import { decodeOps } from './ops-codec.js';

/**
 * Node keyspaces (frozen format): KEYSPACE_PREFIX | group (u32 BE) | the replica's own keys.
 * Inside a keyspace, APPLIED_KEY holds the Raft index its state reflects.
 */
export const KEYSPACE_PREFIX = 0x40;
const APPLIED_KEY = Uint8Array.of(0x21);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function keyspaceOf(engine: StorageEngine, group: number): PrefixedEngine {
  const prefix = new Uint8Array(5);
  prefix[0] = KEYSPACE_PREFIX;
  new DataView(prefix.buffer).setUint32(1, group);
  return new PrefixedEngine(engine, prefix);
}

/**
 * One replica of a replicated keyspace: the state machine of a partition (or of the metadata
 * group). Writes are evaluated by the leader (see docs/decisions/0005) and travel as write
 * batches; applying one queues its operations, and `takeWrites` hands them to the host with the
 * applied index, in one batch stored before any proposer or reader is answered. Every replica
 * thus holds the same bytes, whatever code version evaluated the writes.
 */
export class ReplicatedKeyspace implements StateMachine {
  private queued: WriteOp[] = [];
  private applied: number;

  private constructor(
    readonly keyspace: PrefixedEngine,
    readonly durableApplied: number,
  ) {
    this.applied = durableApplied;
  }

  static async open(engine: StorageEngine, group: number): Promise<ReplicatedKeyspace> {
    const keyspace = keyspaceOf(engine, group);
    const bytes = await keyspace.get(APPLIED_KEY);
    return new ReplicatedKeyspace(keyspace, bytes ? Number(decoder.decode(bytes)) : 0);
  }

  /** The index of the last entry applied (its writes may still be queued). */
  get appliedIndex(): number {
    return this.applied;
  }

  apply(data: Uint8Array, index: number): undefined {
    for (const op of decodeOps(data)) this.queued.push(op);
    this.applied = index;
    return undefined;
  }

  takeWrites(): WriteOp[] {
    const ops = this.keyspace.outerOps(this.queued);
    this.queued = [];
    ops.push({ type: 'put', key: this.keyspace.outer(APPLIED_KEY), value: encoder.encode(String(this.applied)) });
    return ops;
  }

  snapshot(): Uint8Array {
    throw new Error('snapshots of disk-backed keyspaces are not implemented yet: run the host without log compaction');
  }

  restore(): void {
    throw new Error('snapshots of disk-backed keyspaces are not implemented yet');
  }
}
