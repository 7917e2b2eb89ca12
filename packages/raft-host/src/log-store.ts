import type { Entry, HardState, Ready, Snapshot, StableEntries } from '@shoal/raft';
import { canReadSync, type StorageEngine, type SyncReadableEngine, type WriteOp } from '@shoal/storage';
import { decodeEntry, decodeHardState, decodeSnapshot, encodeEntry, encodeHardState, encodeSnapshot, isConfigEntryRecord } from './record-codec.js';

/**
 * Where the Raft groups of a node keep their logs, in the node's one storage engine (layout in
 * docs/decisions/0002): RAFT_PREFIX | group (u32 BE) | kind | for entries, index (u64 BE).
 * The store turns each group's ready batch into write operations; the host writes the batches of
 * all its groups with one synced write (group commit).
 *
 * Configuration entries are also kept under a kind of their own (same index, same record), so
 * that a restart finds the membership changes of the log without reading the whole log: it reads
 * those and the tail it must apply (docs/decisions/0010). A group written before that index existed
 * has no CONFIG_INDEXED marker; its first open reads the whole log once and writes the index.
 */
export const RAFT_PREFIX = 0x20;
const KIND_HARD_STATE = 0x01;
const KIND_SNAPSHOT = 0x02;
const KIND_ENTRY = 0x03;
const KIND_CONFIG_ENTRY = 0x04;
const KIND_CONFIG_INDEXED = 0x05;
const CONFIG_INDEXED = Uint8Array.of(1);

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
  /** Indexes of the configuration entries after the snapshot, each also under KIND_CONFIG_ENTRY (ascending). */
  private configIndexes: number[];

  private constructor(readonly group: number, firstStored: number, snapshotIndex: number, last: number, configIndexes: number[]) {
    // Garbage below the snapshot that a restart interrupted is collected from where it stopped.
    this.first = Math.min(firstStored, snapshotIndex + 1);
    this.live = snapshotIndex + 1;
    this.last = last;
    this.configIndexes = configIndexes;
  }

  /**
   * Reads a group's hard state, snapshot and log. Entries before `keepFrom` (the state
   * machine's durable applied index: a restart applies nothing before it) are not read, but the
   * configuration entries among them are returned; the tail returned always holds the last
   * applied entry and the last entry. The Raft core reads the others back through
   * `stableEntries` if it needs them.
   */
  static async open(engine: StorageEngine, group: number, keepFrom = 0): Promise<{ log: GroupLog; persisted: PersistedGroup }> {
    const [hardStateBytes, snapshotBytes, indexed] = await engine.getMany([groupKey(group, KIND_HARD_STATE), groupKey(group, KIND_SNAPSHOT), groupKey(group, KIND_CONFIG_INDEXED)]);
    const snapshot = snapshotBytes ? decodeSnapshot(snapshotBytes) : undefined;
    const hardState = hardStateBytes ? decodeHardState(hardStateBytes) : undefined;
    const from = (snapshot?.meta.index ?? 0) + 1;
    let last = from - 1;
    for await (const [key] of engine.iterate({ gte: groupKey(group, KIND_ENTRY, from), lt: groupKey(group, KIND_ENTRY + 1), reverse: true, limit: 1 })) last = entryIndex(key);
    let firstStored = from;
    for await (const [key] of engine.iterate({ gte: groupKey(group, KIND_ENTRY, 0), lt: groupKey(group, KIND_ENTRY, from), limit: 1 })) firstStored = entryIndex(key);
    const keep = Math.max(from, Math.min(keepFrom, hardState?.commit ?? 0, last));
    const { entries, configEntries } = indexed ? await readIndexed(engine, group, from, keep) : await readWhole(engine, group, from, keep);
    const configEntriesOnDisk = configEntries.filter((entry) => entry.index < keep);
    const persisted: PersistedGroup = {
      entries,
      ...(configEntriesOnDisk.length > 0 ? { configEntriesOnDisk } : {}),
      ...(hardState ? { hardState } : {}),
      ...(snapshot ? { snapshot } : {}),
    };
    const log = new GroupLog(group, firstStored, from - 1, last, configEntries.map((entry) => entry.index));
    return { log, persisted };
  }

  /**
   * The write operations that make `ready`'s snapshot, entries and hard state durable: `synced`
   * must be durable before the ready's messages go out; `unsynced` holds a hard state the core
   * says needs no sync (`Ready.mustSync`: only its commit index moved, past no configuration
   * entry; a lost commit index is learned again from the leader). The host writes `unsynced` in
   * one batch with the state machine's writes of the same round, so a stored applied index
   * never runs ahead of the stored commit index.
   */
  persist(ready: Ready, synced: WriteOp[], unsynced: WriteOp[]): void {
    if (ready.snapshot) {
      // Entries above the snapshot must go now (a restart would read them as the log after it);
      // those below it are garbage, collected a little per round.
      const index = ready.snapshot.meta.index;
      synced.push({ type: 'put', key: groupKey(this.group, KIND_SNAPSHOT), value: encodeSnapshot(ready.snapshot) });
      for (let i = Math.max(index + 1, this.live); i <= this.last; i++) synced.push({ type: 'del', key: groupKey(this.group, KIND_ENTRY, i) });
      // The snapshot's membership replaces every configuration entry before it; those after it are gone.
      this.forgetConfigEntries(0, synced);
      this.live = index + 1;
      this.last = index;
    }
    if (ready.entries.length > 0) {
      const start = (ready.entries[0] as Entry).index;
      const end = (ready.entries[ready.entries.length - 1] as Entry).index;
      // Entries from `start` on replace what was there (a leader's entries overwrite a conflicting suffix).
      this.forgetConfigEntries(start, synced);
      for (const entry of ready.entries) {
        const record = encodeEntry(entry);
        synced.push({ type: 'put', key: groupKey(this.group, KIND_ENTRY, entry.index), value: record });
        if (entry.type === 'config') {
          synced.push({ type: 'put', key: groupKey(this.group, KIND_CONFIG_ENTRY, entry.index), value: record });
          this.configIndexes.push(entry.index);
        }
      }
      // Drop what lies beyond the new end.
      for (let i = end + 1; i <= this.last; i++) synced.push({ type: 'del', key: groupKey(this.group, KIND_ENTRY, i) });
      this.last = end;
    }
    if (ready.hardState) (ready.mustSync ? synced : unsynced).push({ type: 'put', key: groupKey(this.group, KIND_HARD_STATE), value: encodeHardState(ready.hardState) });
  }

  /** Records a snapshot taken locally; the log up to it becomes garbage. */
  compact(snapshot: Snapshot, ops: WriteOp[]): void {
    ops.push({ type: 'put', key: groupKey(this.group, KIND_SNAPSHOT), value: encodeSnapshot(snapshot) });
    // The snapshot carries the membership up to its index: earlier configuration entries are not needed.
    const kept = this.configIndexes.filter((index) => index > snapshot.meta.index);
    for (const index of this.configIndexes) if (index <= snapshot.meta.index) ops.push({ type: 'del', key: groupKey(this.group, KIND_CONFIG_ENTRY, index) });
    this.configIndexes = kept;
    this.live = Math.max(this.live, snapshot.meta.index + 1);
    if (this.last < snapshot.meta.index) this.last = snapshot.meta.index;
  }

  /** Deletes the configuration-entry copies at `from` and after. */
  private forgetConfigEntries(from: number, ops: WriteOp[]): void {
    while (this.configIndexes.length > 0 && (this.configIndexes[this.configIndexes.length - 1] as number) >= from) {
      ops.push({ type: 'del', key: groupKey(this.group, KIND_CONFIG_ENTRY, this.configIndexes.pop() as number) });
    }
  }

  /** Deletes up to `max` compacted entries, so that no round pays for a whole compaction at once. */
  collectGarbage(ops: WriteOp[], max: number): void {
    const end = Math.min(this.live, this.first + max);
    for (let i = this.first; i < end; i++) ops.push({ type: 'del', key: groupKey(this.group, KIND_ENTRY, i) });
    this.first = end;
  }
}

interface LogRead {
  /** The entries from `keep` to the last. */
  entries: Entry[];
  /** Every configuration entry after the snapshot, in index order. */
  configEntries: Entry[];
}

/** Reads the configuration entries from their index, and the log from `keep` on. */
async function readIndexed(engine: StorageEngine, group: number, from: number, keep: number): Promise<LogRead> {
  const configEntries: Entry[] = [];
  for await (const [key, value] of engine.iterate({ gte: groupKey(group, KIND_CONFIG_ENTRY, from), lt: groupKey(group, KIND_CONFIG_ENTRY + 1) })) {
    configEntries.push(decodeEntry(entryIndex(key), value));
  }
  return { entries: await readEntries(engine, group, keep), configEntries };
}

/**
 * A log written before configuration entries were indexed: reads all of it (once), and writes
 * the index and its marker, so that the next open reads only the tail.
 */
async function readWhole(engine: StorageEngine, group: number, from: number, keep: number): Promise<LogRead> {
  const all = await readEntries(engine, group, from, (index, value) => index >= keep || isConfigEntryRecord(value));
  const configEntries = all.filter((entry) => entry.type === 'config');
  const ops: WriteOp[] = configEntries.map((entry) => ({ type: 'put', key: groupKey(group, KIND_CONFIG_ENTRY, entry.index), value: encodeEntry(entry) }));
  ops.push({ type: 'put', key: groupKey(group, KIND_CONFIG_INDEXED), value: CONFIG_INDEXED });
  // Unsynced: lost in a crash, the next open reads the whole log again and rewrites them.
  await engine.write(ops, { sync: false });
  return { entries: all.filter((entry) => entry.index >= keep), configEntries };
}

/** Entries from `from` to the last (those `wanted` accepts, by default all); the log must be contiguous. */
async function readEntries(engine: StorageEngine, group: number, from: number, wanted?: (index: number, value: Uint8Array) => boolean): Promise<Entry[]> {
  const entries: Entry[] = [];
  let expected = from;
  for await (const [key, value] of engine.iterate({ gte: groupKey(group, KIND_ENTRY, from), lt: groupKey(group, KIND_ENTRY + 1) })) {
    const index = entryIndex(key);
    // The log must be contiguous after the snapshot; anything else is corruption, not data.
    if (index !== expected) throw new Error(`raft group ${group}: log gap at ${index}, expected ${expected}`);
    expected++;
    if (!wanted || wanted(index, value)) entries.push(decodeEntry(index, value));
  }
  return entries;
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
