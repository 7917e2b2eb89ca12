import { describe, expect, it } from 'vitest';
import type { Entry, Snapshot } from '@shoal/raft';
import { MemoryEngine, type Bytes, type KeyRange, type WriteOp } from '@shoal/storage';
import { decodeEntry, decodeHardState, decodeSnapshot, encodeEntry, encodeHardState, encodeSnapshot, GroupLog, RAFT_PREFIX } from '../src/index.js';

const bytes = (text: string) => new TextEncoder().encode(text);
/** Decoded entries carry their data in a Buffer (from Node's pool), as these do. */
const entry = (index: number, term: number, text: string | null): Entry => ({ index, term, type: 'normal', data: text === null ? null : Buffer.from(text) });
const configEntry = (index: number, term: number, node: number): Entry => ({ index, term, type: 'config', data: null, config: { kind: 'addLearner', node } });

/** Writes, synced, the operations that `fill` collects (what the host does with a round's). */
const writer = (engine: MemoryEngine) => async (fill: (ops: WriteOp[]) => void) => {
  const ops: WriteOp[] = [];
  fill(ops);
  await engine.write(ops, { sync: true });
};

/** Counts the entries its iterations hand out: how much of a log an open reads. */
class CountingEngine extends MemoryEngine {
  read = 0;

  override async *iterate(range: KeyRange): AsyncIterable<[Bytes, Bytes]> {
    for await (const row of super.iterate(range)) {
      this.read++;
      yield row;
    }
  }
}

describe('Raft records on disk', () => {
  it('round-trips normal, no-op and configuration entries, hard state and snapshots', () => {
    const entries: Entry[] = [
      entry(7, 3, 'k=v'),
      entry(8, 2 ** 40, null),
      entry(9, 4, ''),
      { index: 10, term: 4, type: 'config', data: null, config: { kind: 'promote', node: 4_000_000_000 } },
    ];
    for (const original of entries) expect(decodeEntry(original.index, encodeEntry(original))).toEqual(original);
    expect(decodeHardState(encodeHardState({ term: 2 ** 50, vote: 3, commit: 12345 }))).toEqual({ term: 2 ** 50, vote: 3, commit: 12345 });
    const snapshot: Snapshot = { meta: { index: 99, term: 5, membership: { voters: [1, 2, 3], learners: [4] } }, data: bytes('state') };
    expect(decodeSnapshot(encodeSnapshot(snapshot))).toEqual(snapshot);
  });

  it('rejects a corrupt entry type instead of guessing', () => {
    const corrupt = encodeEntry(entry(1, 1, 'x'));
    corrupt[0] = 9;
    expect(() => decodeEntry(1, corrupt)).toThrow('corrupt log entry at 1: type 9');
  });
});

describe('a group log in the storage engine', () => {
  const ready = (entries: Entry[], extra: object = {}) => ({ entries, mustSync: true, committedEntries: [], messages: [], earlyMessageCount: 0, readStates: [], leader: 0, role: 'follower' as const, ...extra });

  it('persists entries and hard state, replaces a conflicting suffix, and compacts behind a snapshot', async () => {
    const engine = new MemoryEngine();
    const { log } = await GroupLog.open(engine, 7);
    const write = writer(engine);
    await write((ops) => log.persist(ready([entry(1, 1, 'a'), entry(2, 1, 'b'), entry(3, 1, 'c'), entry(4, 1, 'd')], { hardState: { term: 1, vote: 1, commit: 2 } }), ops, ops));
    // A new leader's entries from index 3 on replace the old suffix 3..4.
    await write((ops) => log.persist(ready([entry(3, 2, 'C')], { hardState: { term: 2, vote: 2, commit: 2 } }), ops, ops));
    let reopened = await GroupLog.open(engine, 7);
    expect(reopened.persisted).toEqual({ hardState: { term: 2, vote: 2, commit: 2 }, entries: [entry(1, 1, 'a'), entry(2, 1, 'b'), entry(3, 2, 'C')] });

    const snapshot: Snapshot = { meta: { index: 2, term: 1, membership: { voters: [1, 2, 3], learners: [] } }, data: bytes('ab') };
    await write((ops) => log.compact(snapshot, ops));
    reopened = await GroupLog.open(engine, 7);
    expect(reopened.persisted).toEqual({ hardState: { term: 2, vote: 2, commit: 2 }, snapshot, entries: [entry(3, 2, 'C')] });
    // The compacted entries are garbage, deleted a bounded number per round.
    const storedKeys = async () => {
      const keys: number[] = [];
      for await (const [key] of engine.iterate({})) keys.push(key.length);
      return keys.length;
    };
    expect(await storedKeys()).toBe(6); // the index marker, hard state, snapshot, entries 1..3
    await write((ops) => log.collectGarbage(ops, 1));
    expect(await storedKeys()).toBe(5);
    // A restart before the rest is collected: the reopened log collects it.
    const restarted = (await GroupLog.open(engine, 7)).log;
    await write((ops) => restarted.collectGarbage(ops, 100));
    expect(await storedKeys()).toBe(4);
    expect((await GroupLog.open(engine, 7)).persisted.entries).toEqual([entry(3, 2, 'C')]);

    // Another group's records stay apart.
    expect((await GroupLog.open(engine, 8)).persisted).toEqual({ entries: [] });
  });

  it('writes a hard state with the synced operations only when the core says it must be synced', async () => {
    const engine = new MemoryEngine();
    const { log } = await GroupLog.open(engine, 3);
    const split = (extra: object) => {
      const synced: WriteOp[] = [];
      const unsynced: WriteOp[] = [];
      log.persist(ready([], extra), synced, unsynced);
      return [synced.length, unsynced.length];
    };
    expect(split({ hardState: { term: 1, vote: 2, commit: 0 }, mustSync: true })).toEqual([1, 0]);
    expect(split({ hardState: { term: 1, vote: 2, commit: 5 }, mustSync: false })).toEqual([0, 1]);
    expect(split({ mustSync: false })).toEqual([0, 0]);
  });

  it('opens only the tail from the durable applied index on, with the configuration entries before it', async () => {
    const engine = new MemoryEngine();
    const { log } = await GroupLog.open(engine, 2);
    const config: Entry = { index: 3, term: 1, type: 'config', data: null, config: { kind: 'addLearner', node: 4 } };
    const ops: WriteOp[] = [];
    log.persist(ready([entry(1, 1, 'a'), entry(2, 1, 'b'), config, entry(4, 1, 'd'), entry(5, 1, 'e'), entry(6, 1, 'f')], { hardState: { term: 1, vote: 1, commit: 5 } }), ops, ops);
    await engine.write(ops, { sync: true });
    expect((await GroupLog.open(engine, 2, 4)).persisted).toEqual({ hardState: { term: 1, vote: 1, commit: 5 }, entries: [entry(4, 1, 'd'), entry(5, 1, 'e'), entry(6, 1, 'f')], configEntriesOnDisk: [config] });
    // Never past the stored commit index (a restart applies from the lower of the two)...
    expect((await GroupLog.open(engine, 2, 6)).persisted.entries.map((kept) => kept.index)).toEqual([5, 6]);
    // ...and without a durable index, the whole log.
    expect((await GroupLog.open(engine, 2)).persisted.entries.map((kept) => kept.index)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads only the tail and the configuration entries when it opens, however long the log', async () => {
    const engine = new CountingEngine();
    const { log } = await GroupLog.open(engine, 2);
    const ops: WriteOp[] = [];
    const entries = Array.from({ length: 1000 }, (_, i) => (i === 99 || i === 499 ? configEntry(i + 1, 1, i) : entry(i + 1, 1, `v${i}`)));
    log.persist(ready(entries, { hardState: { term: 1, vote: 1, commit: 1000 } }), ops, ops);
    await engine.write(ops, { sync: true });
    engine.read = 0;
    const { persisted } = await GroupLog.open(engine, 2, 998);
    expect(persisted.entries.map((kept) => kept.index)).toEqual([998, 999, 1000]);
    expect(persisted.configEntriesOnDisk).toEqual([configEntry(100, 1, 99), configEntry(500, 1, 499)]);
    // The last entry (reverse seek), the two configuration entries, the three of the tail.
    expect(engine.read).toBe(6);
  });

  it('forgets configuration entries that a new leader overwrites, truncates, or a snapshot replaces', async () => {
    const engine = new MemoryEngine();
    const { log } = await GroupLog.open(engine, 5);
    const write = writer(engine);
    await write((ops) => log.persist(ready([entry(1, 1, 'a'), configEntry(2, 1, 7), configEntry(3, 1, 8), configEntry(4, 1, 9)]), ops, ops));
    // A leader of term 2 replaces entry 3 with a normal entry and truncates 4; later entries 4 and 5 are normal too.
    await write((ops) => log.persist(ready([entry(3, 2, 'c')]), ops, ops));
    await write((ops) => log.persist(ready([entry(4, 2, 'd'), entry(5, 2, 'e')], { hardState: { term: 2, vote: 2, commit: 5 } }), ops, ops));
    let reopened = await GroupLog.open(engine, 5, 5);
    expect(reopened.persisted.configEntriesOnDisk).toEqual([configEntry(2, 1, 7)]);
    expect(reopened.persisted.entries).toEqual([entry(5, 2, 'e')]);
    await write((ops) => reopened.log.persist(ready([configEntry(6, 2, 10)]), ops, ops));
    // A local snapshot at 5 makes the entry at 2 unnecessary; the one at 6 stays.
    const snapshot: Snapshot = { meta: { index: 5, term: 2, membership: { voters: [1, 2, 3], learners: [7] } }, data: bytes('s') };
    await write((ops) => reopened.log.compact(snapshot, ops));
    reopened = await GroupLog.open(engine, 5, 6);
    expect(reopened.persisted.configEntriesOnDisk).toBeUndefined();
    expect(reopened.persisted.entries).toEqual([configEntry(6, 2, 10)]);
    // A leader's snapshot past the end replaces them all.
    const installed: Snapshot = { meta: { index: 9, term: 3, membership: { voters: [1, 2, 3], learners: [] } }, data: bytes('t') };
    await write((ops) => reopened.log.persist(ready([], { snapshot: installed }), ops, ops));
    expect((await GroupLog.open(engine, 5)).persisted).toEqual({ hardState: { term: 2, vote: 2, commit: 5 }, snapshot: installed, entries: [] });
    const configKeys: number[] = [];
    for await (const [key] of engine.iterate({})) if (key[5] === 0x04) configKeys.push(key.length);
    expect(configKeys).toEqual([]);
  });

  it('indexes the configuration entries of a log written without the index, once, on its first open', async () => {
    const engine = new CountingEngine();
    const { log } = await GroupLog.open(engine, 9);
    const ops: WriteOp[] = [];
    const entries = Array.from({ length: 100 }, (_, i) => (i === 9 ? configEntry(10, 1, 4) : entry(i + 1, 1, `v${i}`)));
    log.persist(ready(entries, { hardState: { term: 1, vote: 1, commit: 100 } }), ops, ops);
    await engine.write(ops, { sync: true });
    // What an older version left: the entries, no configuration index and no marker.
    const keys = (kind: number) => ops.filter((op) => op.type === 'put' && op.key[0] === RAFT_PREFIX && op.key[5] === kind).map((op) => ({ type: 'del' as const, key: op.key }));
    await engine.write([...keys(0x04), { type: 'del', key: Uint8Array.of(RAFT_PREFIX, 0, 0, 0, 9, 0x05) }], { sync: true });
    engine.read = 0;
    const first = await GroupLog.open(engine, 9, 99);
    expect(first.persisted.configEntriesOnDisk).toEqual([configEntry(10, 1, 4)]);
    expect(first.persisted.entries.map((kept) => kept.index)).toEqual([99, 100]);
    expect(engine.read).toBe(101); // the reverse seek and the whole log
    engine.read = 0;
    const second = await GroupLog.open(engine, 9, 99);
    expect(second.persisted).toEqual(first.persisted);
    expect(engine.read).toBe(4); // the reverse seek, the configuration entry, the tail of two
  });

  it('installs a leader snapshot past the end of the log, dropping every older entry', async () => {
    const engine = new MemoryEngine();
    const { log } = await GroupLog.open(engine, 1);
    const ops: WriteOp[] = [];
    log.persist(ready([entry(1, 1, 'a'), entry(2, 1, 'b')]), ops, ops);
    const snapshot: Snapshot = { meta: { index: 50, term: 3, membership: { voters: [1, 2, 3], learners: [] } }, data: bytes('s') };
    log.persist(ready([], { snapshot }), ops, ops);
    log.persist(ready([entry(51, 3, 'z')]), ops, ops);
    await engine.write(ops, { sync: true });
    expect((await GroupLog.open(engine, 1)).persisted).toEqual({ snapshot, entries: [entry(51, 3, 'z')] });
  });
});
