import { ShoalError } from '@shoal/base';
import { SNAPSHOT_BYTES_MAX, type StateMachine } from '@shoal/raft-host';
import { PrefixedEngine, type StorageEngine, type WriteOp } from '@shoal/storage';
import { decodeOps, encodeOps } from './ops-codec.js';
import { decodeRange, isRangeKey, RANGE_KEY, type RangeDescriptor } from './key-range.js';

/**
 * Node keyspaces (frozen format): KEYSPACE_PREFIX | group (u32 BE) | the replica's own keys.
 * Inside a keyspace, APPLIED_KEY holds the Raft index its state reflects.
 */
export const KEYSPACE_PREFIX = 0x40;
const APPLIED_KEY = Uint8Array.of(0x21);

/** A replica's state is larger than one snapshot message: its log is not compacted, so no peer needs one. */
export class SnapshotTooLargeError extends ShoalError {
  constructor(group: number, bytesMax: number) {
    super('SnapshotTooLarge', `the keyspace of group ${group} holds more than ${bytesMax} bytes, too much for one snapshot`, 'server');
  }
}

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
  /** The applied index whose writes the host has stored. */
  private stored: number;
  private rangeNow: RangeDescriptor | undefined;
  private generation = 0;
  private readonly rangeListeners: (() => void)[] = [];

  private constructor(
    readonly group: number,
    readonly keyspace: PrefixedEngine,
    readonly durableApplied: number,
    range: RangeDescriptor | undefined,
  ) {
    this.applied = durableApplied;
    this.appliedStored = durableApplied;
    this.stored = durableApplied;
    this.rangeNow = range;
  }

  static async open(engine: StorageEngine, group: number): Promise<ReplicatedKeyspace> {
    const keyspace = keyspaceOf(engine, group);
    const [applied, range] = await keyspace.getMany([APPLIED_KEY, RANGE_KEY]);
    return new ReplicatedKeyspace(group, keyspace, applied ? Number(decoder.decode(applied)) : 0, range ? decodeRange(range) : undefined);
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

  /** The index of the last entry whose writes are in the engine: what a reader of the keyspace sees. */
  get storedIndex(): number {
    return this.stored;
  }

  writesStored(): void {
    this.stored = this.appliedStored;
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
    ops.push({ type: 'put', key: this.keyspace.outer(APPLIED_KEY), value: Buffer.from(String(this.applied)) });
    this.appliedStored = this.applied;
    return ops;
  }

  /**
   * Every key of the keyspace but the applied index, as one batch of puts (ops-codec), read from
   * a view taken during the call: the host calls it between rounds, when the keyspace holds
   * exactly the writes of the entries it applied.
   */
  async snapshot(): Promise<Uint8Array> {
    const puts = await readState(this.keyspace, SNAPSHOT_BYTES_MAX, true);
    if (!puts) throw new SnapshotTooLargeError(this.group, SNAPSHOT_BYTES_MAX);
    return encodeOps(puts);
  }

  async snapshotFits(bytesMax: number): Promise<boolean> {
    return (await readState(this.keyspace, bytesMax, false)) !== undefined;
  }

  /** A snapshot is one well-formed batch of puts (see `snapshot`). */
  snapshotProblem(data: Uint8Array): string | undefined {
    try {
      return decodeOps(data).every((op) => op.type === 'put') ? undefined : 'a snapshot with deletions';
    } catch (error) {
      return `a malformed snapshot: ${(error as Error).message}`;
    }
  }

  /**
   * Replaces the keyspace's contents with the snapshot's, as queued writes the host stores with
   * the round's (one batch: a reader sees the old state or the new, never a mix).
   */
  async restore(data: Uint8Array, index: number): Promise<void> {
    const puts = decodeOps(data);
    const ops: WriteOp[] = [];
    for await (const [key] of this.keyspace.iterate({})) ops.push({ type: 'del', key });
    let range: RangeDescriptor | undefined;
    for (const op of puts) {
      ops.push(op);
      if (op.type === 'put' && isRangeKey(op.key)) range = decodeRange(op.value);
    }
    this.queued = ops;
    this.applied = index;
    this.appliedStored = -1; // the applied index is written even if it did not move
    this.rangeNow = range;
    this.generation++;
    for (const listener of this.rangeListeners) listener();
  }
}

/**
 * Reads a keyspace's rows (all but the applied index) as puts; undefined once they pass
 * `bytesMax` in the snapshot format. With `keep` false it only measures. The engine's view is
 * taken within the call: the first step of the iteration runs before the function first waits.
 */
async function readState(keyspace: PrefixedEngine, bytesMax: number, keep: boolean): Promise<WriteOp[] | undefined> {
  const rows = keyspace.iterate({})[Symbol.asyncIterator]();
  const puts: WriteOp[] = [];
  let bytes = 4;
  for (let next = await rows.next(); !next.done; next = await rows.next()) {
    const [key, value] = next.value;
    if (key.length === APPLIED_KEY.length && key[0] === APPLIED_KEY[0]) continue;
    bytes += 9 + key.length + value.length;
    if (bytes > bytesMax) {
      await rows.return?.();
      return undefined;
    }
    if (keep) puts.push({ type: 'put', key, value });
  }
  return puts;
}
