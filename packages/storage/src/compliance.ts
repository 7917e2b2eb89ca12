import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '@shoal/base';
import { canIterateText, canReadSync, type Bytes, type KeyRange, type StorageEngine, type WriteOp } from './engine.js';
import { compareBytes, inRange } from './compare.js';

/**
 * The behaviour every storage engine must show. Run it from each engine's tests:
 * `describeStorageCompliance('memory', async () => new MemoryEngine())`. Each test gets a fresh
 * temporary directory; with `persistent`, `open` is also called a second time on the same
 * directory to check that data survives a close and reopen.
 *
 * Keys used here are never empty: an empty key's meaning as a range bound differs between
 * bindings, and nothing above this layer writes one.
 */
export interface StorageComplianceOptions {
  /** The engine keeps its data in `directory`: check that it survives a reopen. */
  persistent?: boolean;
  /** The engine hands values over as text (`iterateText`): check it against `iterate`. */
  iteratesText?: boolean;
}

/** Entries written by the snapshot test: more than one native iterator batch (256 here). */
const SNAPSHOT_ENTRIES = 600;
/** Random keys in the byte-order property check. */
const RANDOM_KEYS = 300;
const RANDOM_SEED = 0x5eed_0001;

const bytes = (...values: number[]): Bytes => Uint8Array.from(values);
const text = (value: string): Bytes => new TextEncoder().encode(value);
const hex = (value: Bytes): string => Buffer.from(value).toString('hex');
const str = (value: Bytes | undefined): string | undefined => (value === undefined ? undefined : Buffer.from(value).toString());
const put = (key: Bytes, value: Bytes): WriteOp => ({ type: 'put', key, value });
const del = (key: Bytes): WriteOp => ({ type: 'del', key });
/** A key that sorts by its number: 4-byte big-endian. */
const numbered = (n: number): Bytes => bytes((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);

async function collect(engine: StorageEngine, range: KeyRange): Promise<[Bytes, Bytes][]> {
  const entries: [Bytes, Bytes][] = [];
  for await (const entry of engine.iterate(range)) entries.push(entry);
  return entries;
}
const keysOf = async (engine: StorageEngine, range: KeyRange) => (await collect(engine, range)).map(([key]) => hex(key));

export function describeStorageCompliance(
  name: string,
  open: (directory: string) => Promise<StorageEngine>,
  options: StorageComplianceOptions = {},
): void {
  const directories: string[] = [];
  const engines = new Set<StorageEngine>();

  async function fresh(): Promise<{ engine: StorageEngine; directory: string }> {
    const directory = mkdtempSync(join(tmpdir(), `shoal-compliance-${name.replace(/[^a-z0-9]/gi, '_')}-`));
    directories.push(directory);
    const engine = await open(directory);
    engines.add(engine);
    return { engine, directory };
  }

  async function reopen(engine: StorageEngine, directory: string): Promise<StorageEngine> {
    await engine.close();
    engines.delete(engine);
    const reopened = await open(directory);
    engines.add(reopened);
    return reopened;
  }

  afterEach(async () => {
    for (const engine of engines) await engine.close().catch(() => undefined);
    engines.clear();
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  describe(`storage compliance: ${name}`, () => {
    it('puts, overwrites, gets and deletes; missing keys are undefined', async () => {
      const { engine } = await fresh();
      expect(await engine.get(text('a'))).toBeUndefined();
      await engine.write([put(text('a'), text('1'))], { sync: true });
      expect(str(await engine.get(text('a')))).toBe('1');
      await engine.write([put(text('a'), text('2'))], { sync: false });
      expect(str(await engine.get(text('a')))).toBe('2');
      await engine.write([del(text('a')), del(text('never-written'))], { sync: false });
      expect(await engine.get(text('a'))).toBeUndefined();
      expect(await collect(engine, {})).toEqual([]);
    });

    it('stores empty values as empty, distinct from missing', async () => {
      const { engine } = await fresh();
      await engine.write([put(text('empty'), new Uint8Array(0))], { sync: true });
      const value = await engine.get(text('empty'));
      expect(value).toBeInstanceOf(Uint8Array);
      expect(value?.length).toBe(0);
      expect((await engine.getMany([text('empty'), text('missing')])).map((v) => v?.length)).toEqual([0, undefined]);
      expect((await collect(engine, {})).map(([k, v]) => [str(k), v.length])).toEqual([['empty', 0]]);
    });

    it('reads keys and values that are views into larger arrays, at their offset', async () => {
      const { engine } = await fresh();
      const backing = text('..key1..value1..key2..');
      const key1 = backing.subarray(2, 6);
      const key2 = backing.subarray(16, 20);
      await engine.write([put(key1, backing.subarray(8, 14)), put(key2, new Uint8Array(300).fill(7).subarray(100, 260))], { sync: true });
      await engine.write([put(text('x'), text('y')), del(backing.subarray(16, 20))], { sync: false });
      expect(str(await engine.get(text('key1')))).toBe('value1');
      if (canReadSync(engine)) expect(str(engine.getSync(key1))).toBe('value1');
      expect(await engine.get(text('key2'))).toBeUndefined();
      expect((await collect(engine, {})).map(([k, v]) => [str(k), str(v)])).toEqual([['key1', 'value1'], ['x', 'y']]);
    });

    it('keeps what was written, not the caller buffer mutated afterwards', async () => {
      const { engine } = await fresh();
      const key = text('k');
      const value = text('original');
      await engine.write([put(key, value)], { sync: false });
      value.fill(0x21);
      key.fill(0x21);
      expect(str(await engine.get(text('k')))).toBe('original');
      expect(await engine.get(text('!'))).toBeUndefined();
    });

    it('applies a batch in order and answers getMany in the order asked', async () => {
      const { engine } = await fresh();
      await engine.write(
        [put(text('k1'), text('old')), put(text('k2'), text('2')), put(text('k1'), text('new')), del(text('k2')), put(text('k3'), text('3')), del(text('k3')), put(text('k3'), text('again'))],
        { sync: true },
      );
      const values = await engine.getMany([text('k3'), text('k2'), text('k1'), text('k3'), text('k0')]);
      expect(values.map(str)).toEqual(['again', undefined, 'new', 'again', undefined]);
      expect(await engine.getMany([])).toEqual([]);
    });

    it('makes a batch visible all at once to concurrent readers', async () => {
      const { engine } = await fresh();
      const keys = Array.from({ length: 100 }, (_, i) => numbered(i));
      const writing = engine.write(keys.map((key) => put(key, text('v'))), { sync: true });
      // Issued before the write is awaited: each read sees all of the batch or none of it.
      const during = await engine.getMany(keys);
      const iterated = await collect(engine, {});
      await writing;
      expect([0, 100]).toContain(during.filter((v) => v !== undefined).length);
      expect([0, 100]).toContain(iterated.length);
      expect((await engine.getMany(keys)).every((v) => str(v) === 'v')).toBe(true);
    });

    it('sorts keys by unsigned bytes: 0x00, 0xff and prefixes', async () => {
      const { engine } = await fresh();
      const keys = [bytes(0xff), bytes(0x00), bytes(0x01, 0x00), bytes(0x01), bytes(0x80), bytes(0x00, 0xff), bytes(0xff, 0xff), bytes(0x7f, 0xff, 0xff)];
      await engine.write(keys.map((key, i) => put(key, text(String(i)))), { sync: true });
      expect((await collect(engine, {})).map(([k, v]) => [hex(k), str(v)])).toEqual([
        ['00', '1'], ['00ff', '5'], ['01', '3'], ['0100', '2'], ['7fffff', '7'], ['80', '4'], ['ff', '0'], ['ffff', '6'],
      ]);
      expect(await keysOf(engine, { reverse: true })).toEqual(['ffff', 'ff', '80', '7fffff', '0100', '01', '00ff', '00']);
    });

    it('iterates with gt, gte, lt, lte, reverse and limit', async () => {
      const { engine } = await fresh();
      const all = ['00', '00ff', '01', '0100', '01ff', '02', 'ff', 'ffff'];
      await engine.write(all.map((k) => put(Buffer.from(k, 'hex'), text(k))), { sync: true });
      const b = (k: string) => Buffer.from(k, 'hex');
      expect(await keysOf(engine, { gt: b('01') })).toEqual(['0100', '01ff', '02', 'ff', 'ffff']);
      expect(await keysOf(engine, { gte: b('01') })).toEqual(['01', '0100', '01ff', '02', 'ff', 'ffff']);
      expect(await keysOf(engine, { lt: b('01') })).toEqual(['00', '00ff']);
      expect(await keysOf(engine, { lte: b('01') })).toEqual(['00', '00ff', '01']);
      // A prefix scan: every key starting with 0x01.
      expect(await keysOf(engine, { gte: b('01'), lt: b('02') })).toEqual(['01', '0100', '01ff']);
      expect(await keysOf(engine, { gt: b('01'), lte: b('ff') })).toEqual(['0100', '01ff', '02', 'ff']);
      expect(await keysOf(engine, { gt: b('00'), lt: b('ffff'), reverse: true })).toEqual(['ff', '02', '01ff', '0100', '01', '00ff']);
      expect(await keysOf(engine, { gte: b('0050'), lte: b('01ff'), reverse: true })).toEqual(['01ff', '0100', '01', '00ff']);
      expect(await keysOf(engine, { lte: b('ff'), reverse: true, limit: 2 })).toEqual(['ff', '02']);
      expect(await keysOf(engine, { gt: b('00'), limit: 3 })).toEqual(['00ff', '01', '0100']);
      expect(await keysOf(engine, { limit: 0 })).toEqual([]);
      expect(await keysOf(engine, { limit: 100 })).toEqual(all);
      // Bounds between keys, bounds beyond the data, and an empty range.
      expect(await keysOf(engine, { gt: b('0180'), lt: b('03') })).toEqual(['01ff', '02']);
      expect(await keysOf(engine, { gt: b('ffff') })).toEqual([]);
      expect(await keysOf(engine, { lt: b('00') })).toEqual([]);
      expect(await keysOf(engine, { gte: b('02'), lt: b('02') })).toEqual([]);
      expect(await keysOf(engine, { gt: b('ff'), lt: b('01'), reverse: true })).toEqual([]);
    });

    it('agrees with compareBytes and inRange on random keys and ranges', async () => {
      const random = new SeededRandom(RANDOM_SEED);
      const { engine } = await fresh();
      const randomKey = () => Uint8Array.from({ length: 1 + random.int(4) }, () => [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff][random.int(6)] as number);
      const written = new Map<string, Bytes>();
      for (let i = 0; i < RANDOM_KEYS; i++) {
        const key = randomKey();
        written.set(hex(key), key);
      }
      await engine.write([...written.values()].map((key) => put(key, key)), { sync: false });
      const sorted = [...written.values()].sort(compareBytes);
      for (let round = 0; round < 40; round++) {
        const range: KeyRange = {};
        if (random.chance(0.5)) range[random.chance(0.5) ? 'gt' : 'gte'] = randomKey();
        if (random.chance(0.5)) range[random.chance(0.5) ? 'lt' : 'lte'] = randomKey();
        range.reverse = random.chance(0.5);
        if (random.chance(0.3)) range.limit = random.int(10);
        let expected = sorted.filter((key) => inRange(key, range));
        if (range.reverse) expected.reverse();
        expected = expected.slice(0, range.limit ?? Infinity);
        const actual = await collect(engine, range);
        expect({ seed: RANDOM_SEED, round, keys: actual.map(([k]) => hex(k)) }).toEqual({ seed: RANDOM_SEED, round, keys: expected.map(hex) });
        for (const [key, value] of actual) expect(hex(value)).toBe(hex(key));
      }
    });

    if (options.iteratesText) {
      it('iterates values as text: the same values as iterate, in the same order, across batches', async () => {
        const random = new SeededRandom(RANDOM_SEED);
        const { engine } = await fresh();
        if (!canIterateText(engine)) throw new Error(`${name} does not iterate text`);
        const values = ['{"a":{"S":"żółw 🐢"}}', '\x01123{"b":{"N":"1"}}', '', 'x'.repeat(5000)];
        await engine.write(Array.from({ length: SNAPSHOT_ENTRIES }, (_, i) => put(numbered(i), text(values[i % values.length]! + i))), { sync: false });
        const decoder = new TextDecoder();
        for (let round = 0; round < 20; round++) {
          const range: KeyRange = { reverse: random.chance(0.5) };
          if (random.chance(0.7)) range[random.chance(0.5) ? 'gt' : 'gte'] = numbered(random.int(SNAPSHOT_ENTRIES));
          if (random.chance(0.7)) range[random.chance(0.5) ? 'lt' : 'lte'] = numbered(random.int(SNAPSHOT_ENTRIES));
          if (random.chance(0.3)) range.limit = random.int(300);
          const expected = (await collect(engine, range)).map(([, value]) => decoder.decode(value));
          const actual: string[] = [];
          for await (const value of engine.iterateText(range)) actual.push(value);
          expect({ seed: RANDOM_SEED, round, actual }).toEqual({ seed: RANDOM_SEED, round, actual: expected });
        }
      });
    }

    for (const reverse of [false, true]) {
      it(`iterates a consistent snapshot${reverse ? ' in reverse' : ''}: writes after it starts do not show`, async () => {
        const { engine } = await fresh();
        await engine.write(Array.from({ length: SNAPSHOT_ENTRIES }, (_, i) => put(numbered(i * 2), text('old'))), { sync: true });
        const seen: [number, string][] = [];
        for await (const [key, value] of engine.iterate({ reverse })) {
          seen.push([Buffer.from(key).readUInt32BE(0), str(value)!]);
          if (seen.length === 1) {
            // Overwrite every key, delete some, insert between them: none of it may show.
            const ops: WriteOp[] = [];
            for (let i = 0; i < SNAPSHOT_ENTRIES; i++) {
              ops.push(i % 3 === 0 ? del(numbered(i * 2)) : put(numbered(i * 2), text('new')));
              ops.push(put(numbered(i * 2 + 1), text('inserted')));
            }
            await engine.write(ops, { sync: true });
          }
        }
        const expected = Array.from({ length: SNAPSHOT_ENTRIES }, (_, i): [number, string] => [i * 2, 'old']);
        if (reverse) expected.reverse();
        expect(seen).toEqual(expected);
        // A new iteration sees the writes.
        expect((await collect(engine, {})).length).toBe(SNAPSHOT_ENTRIES * 2 - Math.ceil(SNAPSHOT_ENTRIES / 3));
      });
    }

    it('takes its view in the first step of an iteration, before that step resolves', async () => {
      const { engine } = await fresh();
      await engine.write([put(numbered(1), text('old')), put(numbered(3), text('old'))], { sync: true });
      const rows = engine.iterate({})[Symbol.asyncIterator]();
      const first = rows.next();
      // Written before the first entry arrives, but after the iteration asked for it: none of it may show.
      await engine.write([put(numbered(2), text('new')), del(numbered(3))], { sync: true });
      const seen: [number, string][] = [];
      for (let row = await first; !row.done; row = await rows.next()) seen.push([Buffer.from(row.value[0]).readUInt32BE(0), str(row.value[1])!]);
      expect(seen).toEqual([[1, 'old'], [3, 'old']]);
    });

    it('stops cleanly when the consumer breaks out of an iteration', async () => {
      const { engine } = await fresh();
      await engine.write(Array.from({ length: 10 }, (_, i) => put(numbered(i), text('v'))), { sync: true });
      let count = 0;
      for await (const _entry of engine.iterate({})) if (++count === 3) break;
      expect(count).toBe(3);
      await engine.write([put(numbered(99), text('after'))], { sync: true });
      expect(str(await engine.get(numbered(99)))).toBe('after');
    });

    if (options.persistent === true) {
      it('refuses writes once closed, and keeps what it had', async () => {
        const { engine, directory } = await fresh();
        await engine.write([put(text('kept'), text('yes'))], { sync: true });
        await engine.close();
        await expect(engine.write([put(text('late'), text('no'))], { sync: true })).rejects.toThrow();
        const reopened = await reopen(engine, directory);
        expect(await keysOf(reopened, {})).toEqual([hex(text('kept'))]);
      });

      it('keeps writes, deletes and empty values across a close and reopen', async () => {
        const { engine, directory } = await fresh();
        await engine.write([put(text('durable'), text('yes')), put(text('gone'), text('x')), put(text('empty'), new Uint8Array(0))], { sync: true });
        await engine.write([del(text('gone')), put(text('unsynced'), text('closed cleanly'))], { sync: false });
        const reopened = await reopen(engine, directory);
        expect((await reopened.getMany([text('durable'), text('gone'), text('empty'), text('unsynced')])).map((v) => v && str(v))).toEqual(['yes', undefined, '', 'closed cleanly']);
        expect(await keysOf(reopened, {})).toEqual(['durable', 'empty', 'unsynced'].map((k) => hex(text(k))));
        // And the reopened store takes writes.
        await reopened.write([put(text('later'), text('1'))], { sync: true });
        const again = await reopen(reopened, directory);
        expect(str(await again.get(text('later')))).toBe('1');
      });
    }
  });
}
