import { describe, expect, it } from 'vitest';
import type { Entry, Snapshot } from '@shoal/raft';
import { MemoryEngine, type WriteOp } from '@shoal/storage';
import { decodeEntry, decodeHardState, decodeSnapshot, encodeEntry, encodeHardState, encodeSnapshot, GroupLog } from '../src/index.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const entry = (index: number, term: number, text: string | null): Entry => ({ index, term, type: 'normal', data: text === null ? null : bytes(text) });

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
  const ready = (entries: Entry[], extra: object = {}) => ({ entries, committedEntries: [], messages: [], readStates: [], leader: 0, role: 'follower' as const, ...extra });

  it('persists entries and hard state, replaces a conflicting suffix, and compacts behind a snapshot', async () => {
    const engine = new MemoryEngine();
    const { log } = await GroupLog.open(engine, 7);
    const write = async (fill: (ops: WriteOp[]) => void) => {
      const ops: WriteOp[] = [];
      fill(ops);
      await engine.write(ops, { sync: true });
    };
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
    expect(await storedKeys()).toBe(5); // hard state, snapshot, entries 1..3
    await write((ops) => log.collectGarbage(ops, 1));
    expect(await storedKeys()).toBe(4);
    await write((ops) => log.collectGarbage(ops, 100));
    expect(await storedKeys()).toBe(3);
    expect((await GroupLog.open(engine, 7)).persisted.entries).toEqual([entry(3, 2, 'C')]);

    // Another group's records stay apart.
    expect((await GroupLog.open(engine, 8)).persisted).toEqual({ entries: [] });
  });

  it('asks for a sync of a hard state only when the term or the vote changed', async () => {
    const engine = new MemoryEngine();
    const { log } = await GroupLog.open(engine, 3);
    const split = (extra: object) => {
      const synced: WriteOp[] = [];
      const unsynced: WriteOp[] = [];
      log.persist(ready([], extra), synced, unsynced);
      return [synced.length, unsynced.length];
    };
    expect(split({ hardState: { term: 1, vote: 2, commit: 0 } })).toEqual([1, 0]);
    expect(split({ hardState: { term: 1, vote: 2, commit: 5 } })).toEqual([0, 1]);
    expect(split({ hardState: { term: 2, vote: 0, commit: 5 } })).toEqual([1, 0]);
    expect(split({ hardState: { term: 2, vote: 3, commit: 5 } })).toEqual([1, 0]);
    expect(split({ hardState: { term: 2, vote: 3, commit: 9 } })).toEqual([0, 1]);
    expect(split({})).toEqual([0, 0]);
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
