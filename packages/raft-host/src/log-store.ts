import type { Entry, HardState, Ready, Snapshot, StableEntries } from '@shoal/raft';
import { canReadSync, type StorageEngine, type SyncReadableEngine, type WriteOp } from '@shoal/storage';
import { decodeEntry, decodeHardState, decodeSnapshot, encodeEntry, encodeHardState, encodeSnapshot, isConfigEntryRecord } from './record-codec.js';

/**
 * Where the Raft groups of a node keep their logs, in the node's one storage engine (layout in
 * docs/decisions/0002): RAFT_PREFIX | group (u32 BE) | kind | for entries, index (u64 BE).
 * The store turns each group's ready batch into write operations; the host writes the batches of
 * all its groups with one synced write (group commit).
 */
export const RAFT_PREFIX = 0x20;
const KIND_HARD_STATE = 0x01;
const KIND_SNAPSHOT = 0x02;
const KIND_ENTRY = 0x03;

export interface PersistedGroup {
  hardState?: HardState;
  snapshot?: Snapshot;
  /** The log after the snapshot, or (see `GroupLog.open`) its tail. */
  entries: Entry[];
  /** When `entries` is a tail: the configuration entries before it. */
  configEntriesOnDisk?: Entry[];
}

function groupKey(group: number, kind: number, index?: number): Uint8Array {
  // Buffers (from Node's pool) pass to the RocksDB binding without another wrapper.
  const key = Buffer.allocUnsafe(index === undefined ? 6 : 14);
  key[0] = RAFT_PREFIX;
  writeUint32(key, 1, group);
  key[5] = kind;
  if (index !== undefined) {
    writeUint32(key, 6, Math.floor(index / 2 ** 32));
    writeUint32(key, 10, index >>> 0);
  }
  return key;
}

function writeUint32(target: Uint8Array, offset: number, value: number): void {
  target[offset] = value >>> 24;
  target[offset + 1] = (value >>> 16) & 0xff;
  target[offset + 2] = (value >>> 8) & 0xff;
  target[offset + 3] = value & 0xff;
}

function entryIndex(key: Uint8Array): number {
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  return view.getUint32(6) * 2 ** 32 + view.getUint32(10);
}

/** One group's on-disk log, with what it needs to know to turn readies into write operations. */
export class GroupLog {
  /** Entries in [live, last] are the log; entries in [first, live) are compacted garbage, deleted a little per round. */
  private first: number;
  private live: number;
  private last: number;
  /** The term and vote last written: a hard state that changes neither needs no sync. */
  private term: number;
  private vote: number;

  private constructor(readonly group: number, snapshotIndex: number, last: number, hardState: HardState | undefined) {
    // Garbage below the snapshot left by a crash is not known here; compaction after the next
    // snapshot starts from wherever the previous one stopped, so at worst it lingers until then.
    this.first = snapshotIndex + 1;
    this.live = this.first;
    this.last = last;
    this.term = hardState?.term ?? 0;
    this.vote = hardState?.vote ?? 0;
  }

  /**
   * Reads a group's hard state, snapshot and log. Entries before `keepFrom` (the state
   * machine's durable applied index: a restart applies nothing before it) are not returned, but
   * their configuration entries are; the tail returned always holds the last applied entry and
   * the last entry. The Raft core reads the others back through `stableEntries` if it needs them.
   */
  static async open(engine: StorageEngine, group: number, keepFrom = 0): Promise<{ log: GroupLog; persisted: PersistedGroup }> {
    const [hardStateBytes, snapshotBytes] = await engine.getMany([groupKey(group, KIND_HARD_STATE), groupKey(group, KIND_SNAPSHOT)]);
    const snapshot = snapshotBytes ? decodeSnapshot(snapshotBytes) : undefined;
    const hardState = hardStateBytes ? decodeHardState(hardStateBytes) : undefined;
    const from = (snapshot?.meta.index ?? 0) + 1;
    const range = { gte: groupKey(group, KIND_ENTRY, from), lt: groupKey(group, KIND_ENTRY + 1) };
    let last = from - 1;
    for await (const [key] of engine.iterate({ ...range, reverse: true, limit: 1 })) last = entryIndex(key);
    const keep = Math.max(from, Math.min(keepFrom, hardState?.commit ?? 0, last));
    const entries: Entry[] = [];
    const configEntriesOnDisk: Entry[] = [];
    let expected = from;
    for await (const [key, value] of engine.iterate(range)) {
      const index = entryIndex(key);
      // The log must be contiguous after the snapshot; anything else is corruption, not data.
      if (index !== expected) throw new Error(`raft group ${group}: log gap at ${index}, expected ${expected}`);
      expected++;
      if (index >= keep) entries.push(decodeEntry(index, value));
      else if (isConfigEntryRecord(value)) configEntriesOnDisk.push(decodeEntry(index, value));
    }
    const persisted: PersistedGroup = {
      entries,
      ...(configEntriesOnDisk.length > 0 ? { configEntriesOnDisk } : {}),
      ...(hardState ? { hardState } : {}),
      ...(snapshot ? { snapshot } : {}),
    };
    return { log: new GroupLog(group, from - 1, last, hardState), persisted };
  }

  /**
   * The write operations that make `ready`'s snapshot, entries and hard state durable: `synced`
   * must be durable before the ready's messages go out; `unsynced` holds a hard state that only
   * moved the commit index, which needs no sync (etcd's MustSync rule: a lost commit index is
   * learned again from the leader). The host writes `unsynced` in one batch with the state
   * machine's writes of the same round, so a stored applied index never runs ahead of the
   * stored commit index.
   */
  persist(ready: Ready, synced: WriteOp[], unsynced: WriteOp[]): void {
    if (ready.snapshot) {
      // Entries above the snapshot must go now (a restart would read them as the log after it);
      // those below it are garbage, collected a little per round.
      const index = ready.snapshot.meta.index;
      synced.push({ type: 'put', key: groupKey(this.group, KIND_SNAPSHOT), value: encodeSnapshot(ready.snapshot) });
      for (let i = Math.max(index + 1, this.live); i <= this.last; i++) synced.push({ type: 'del', key: groupKey(this.group, KIND_ENTRY, i) });
      this.live = index + 1;
      this.last = index;
    }
    if (ready.entries.length > 0) {
      const end = (ready.entries[ready.entries.length - 1] as Entry).index;
      for (const entry of ready.entries) synced.push({ type: 'put', key: groupKey(this.group, KIND_ENTRY, entry.index), value: encodeEntry(entry) });
      // A leader's entries replace a conflicting suffix: drop what lies beyond the new end.
      for (let i = end + 1; i <= this.last; i++) synced.push({ type: 'del', key: groupKey(this.group, KIND_ENTRY, i) });
      this.last = end;
    }
    const hardState = ready.hardState;
    if (!hardState) return;
    const mustSync = hardState.term !== this.term || hardState.vote !== this.vote;
    (mustSync ? synced : unsynced).push({ type: 'put', key: groupKey(this.group, KIND_HARD_STATE), value: encodeHardState(hardState) });
    this.term = hardState.term;
    this.vote = hardState.vote;
  }

  /** Records a snapshot taken locally; the log up to it becomes garbage. */
  compact(snapshot: Snapshot, ops: WriteOp[]): void {
    ops.push({ type: 'put', key: groupKey(this.group, KIND_SNAPSHOT), value: encodeSnapshot(snapshot) });
    this.live = Math.max(this.live, snapshot.meta.index + 1);
    if (this.last < snapshot.meta.index) this.last = snapshot.meta.index;
  }

  /** Deletes up to `max` compacted entries, so that no round pays for a whole compaction at once. */
  collectGarbage(ops: WriteOp[], max: number): void {
    const end = Math.min(this.live, this.first + max);
    for (let i = this.first; i < end; i++) ops.push({ type: 'del', key: groupKey(this.group, KIND_ENTRY, i) });
    this.first = end;
  }
}

/**
 * Reads a group's persisted entries back, synchronously, for the Raft core (which then keeps
 * only recent entries in memory). Only engines with synchronous point reads offer it.
 */
export function stableEntries(engine: StorageEngine, group: number): StableEntries | undefined {
  if (!canReadSync(engine)) return undefined;
  return new StableEntryReader(engine, group);
}

class StableEntryReader implements StableEntries {
  constructor(
    private readonly engine: SyncReadableEngine,
    private readonly group: number,
  ) {}

  entry(index: number): Entry {
    const bytes = this.engine.getSync(groupKey(this.group, KIND_ENTRY, index));
    // The core asks only for persisted, uncompacted entries: a missing one is corruption.
    if (!bytes) throw new Error(`raft group ${this.group}: persisted entry ${index} is missing`);
    return decodeEntry(index, bytes);
  }
}

/** Every key of one group's log, hard state and snapshot. */
export function groupRange(group: number): { gte: Uint8Array; lt: Uint8Array } {
  const start = new Uint8Array(5);
  const end = new Uint8Array(5);
  start[0] = RAFT_PREFIX;
  writeUint32(start, 1, group);
  if (group === 0xffffffff) {
    end[0] = RAFT_PREFIX + 1;
  } else {
    end[0] = RAFT_PREFIX;
    writeUint32(end, 1, group + 1);
  }
  return { gte: start, lt: end };
}

/** Deletes a range in bounded batches (unsynced: losing it in a crash leaves garbage, never harm). */
export async function deleteRange(engine: StorageEngine, range: { gte: Uint8Array; lt: Uint8Array }): Promise<void> {
  for (;;) {
    const ops: WriteOp[] = [];
    for await (const [key] of engine.iterate({ ...range, limit: 1000 })) ops.push({ type: 'del', key });
    if (ops.length === 0) return;
    await engine.write(ops, { sync: false });
  }
}
