import type { StateMachine } from '@shoal/raft-host';
import { PrefixedEngine, type StorageEngine, type WriteOp } from '@shoal/storage';
import { decodeOps } from './ops-codec.js';
import { decodeRange, isRangeKey, RANGE_KEY, type RangeDescriptor } from './key-range.js';

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
  /** The applied index last handed to the host for storing. */
  private appliedStored: number;
  private rangeNow: RangeDescriptor | undefined;
  private generation = 0;
  private readonly rangeListeners: (() => void)[] = [];

  private constructor(
    readonly keyspace: PrefixedEngine,
    readonly durableApplied: number,
    range: RangeDescriptor | undefined,
  ) {
    this.applied = durableApplied;
    this.appliedStored = durableApplied;
    this.rangeNow = range;
  }

  static async open(engine: StorageEngine, group: number): Promise<ReplicatedKeyspace> {
    const keyspace = keyspaceOf(engine, group);
    const [applied, range] = await keyspace.getMany([APPLIED_KEY, RANGE_KEY]);
    return new ReplicatedKeyspace(keyspace, applied ? Number(decoder.decode(applied)) : 0, range ? decodeRange(range) : undefined);
  }

  /** The tokens this replica serves as of the last applied entry (undefined: never split; see key-range). */
  get range(): RangeDescriptor | undefined {
    return this.rangeNow;
  }

  /** Counts changes of `range`: a read that saw the same generation before and after saw one range. */
  get rangeGeneration(): number {
    return this.generation;
  }

  /** Calls `listener` whenever an applied entry changes the range (the leader fences its store). */
  onRangeChange(listener: () => void): void {
    this.rangeListeners.push(listener);
  }

  /** The index of the last entry applied (its writes may still be queued). */
  get appliedIndex(): number {
    return this.applied;
  }

  apply(data: Uint8Array, index: number): undefined {
    let rangeChanged = false;
    for (const op of decodeOps(data)) {
      this.queued.push(op);
      if (isRangeKey(op.key)) {
        this.rangeNow = op.type === 'put' ? decodeRange(op.value) : undefined;
        rangeChanged = true;
      }
    }
    this.applied = index;
    if (rangeChanged) {
      this.generation++;
      for (const listener of this.rangeListeners) listener();
    }
    return undefined;
  }

  /**
   * The queued operations and the applied index, or nothing when nothing was applied since the
   * last call: the host asks after every round of the group, most of which (heartbeats, append
   * responses) apply nothing, and rewriting the same index cost a RocksDB write each.
   */
  takeWrites(): WriteOp[] {
    if (this.queued.length === 0 && this.applied === this.appliedStored) return [];
    const ops = this.keyspace.outerOps(this.queued);
    this.queued = [];
    ops.push({ type: 'put', key: this.keyspace.outer(APPLIED_KEY), value: encoder.encode(String(this.applied)) });
    this.appliedStored = this.applied;
    return ops;
  }

  snapshot(): Uint8Array {
    throw new Error('snapshots of disk-backed keyspaces are not implemented yet: run the host without log compaction');
  }

  restore(): void {
    throw new Error('snapshots of disk-backed keyspaces are not implemented yet');
  }
}
