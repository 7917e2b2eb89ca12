import { describe, expect, it } from 'vitest';
import { AssertionError, SeededRandom } from '@shoal/base';
import { JournaledEngine, JournalGapError, MemoryEngine, RESERVED_KEYS_FROM, type StorageEngine, type WriteOp } from '@shoal/storage';
import { describeStorageCompliance } from '@shoal/storage/compliance';
import { PowerLossEngine, PowerLossJournalFile } from './journal-doubles.js';

describeStorageCompliance('journaled (memory)', () => JournaledEngine.open(new MemoryEngine(), new PowerLossJournalFile()), { persistent: false });

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

async function contents(engine: StorageEngine): Promise<Map<string, string>> {
  const rows = new Map<string, string>();
  for await (const [key, value] of engine.iterate({})) rows.set(hex(key), hex(value));
  return rows;
}

function applied(state: Map<string, string>, ops: readonly WriteOp[]): void {
  for (const op of ops) {
    if (op.type === 'put') state.set(hex(op.key), hex(op.value));
    else state.delete(hex(op.key));
  }
}

/** The number of leading batches of `history` whose result `state` is, from `from` on; -1 if none. */
function prefixLength(history: readonly WriteOp[][], state: Map<string, string>, from: number): number {
  const model = new Map<string, string>();
  const same = (): boolean => model.size === state.size && [...model].every(([key, value]) => state.get(key) === value);
  for (let count = 0; count <= history.length; count++) {
    if (count >= from && same()) return count;
    if (count < history.length) applied(model, history[count]!);
  }
  return -1;
}

function randomBatch(random: SeededRandom): WriteOp[] {
  const valueBytesMax = random.pick([16, 200, 900]);
  const ops: WriteOp[] = [];
  for (let i = 1 + random.int(4); i > 0; i--) {
    const key = text(`k${random.int(16)}`);
    ops.push(random.chance(0.25) ? { type: 'del', key } : { type: 'put', key, value: new Uint8Array(random.int(valueBytesMax)).fill(random.int(256)) });
  }
  return ops;
}

describe('journaled engine', () => {
  it('keeps its own keys out of iterations and refuses writes to them', async () => {
    const inner = new MemoryEngine();
    const engine = await JournaledEngine.open(inner, new PowerLossJournalFile());
    await engine.write([{ type: 'put', key: text('a'), value: text('1') }], { sync: true });
    await engine.write([{ type: 'put', key: new Uint8Array([0xff, 0xff]), value: text('2') }], { sync: false });
    expect([...(await contents(engine)).keys()]).toEqual([hex(text('a')), 'ffff']);
    expect([...(await contents(inner)).keys()]).toEqual([hex(text('a')), 'ffff', hex(RESERVED_KEYS_FROM) + hex(text('journal-seq'))]);
    expect([...(await contents(engine)).keys()].length).toBe(2);
    let reverse = 0;
    for await (const _row of engine.iterate({ reverse: true, lte: new Uint8Array(12).fill(0xff) })) reverse++;
    expect(reverse).toBe(2);
    await expect(engine.write([{ type: 'put', key: RESERVED_KEYS_FROM, value: text('x') }], { sync: true })).rejects.toThrow(AssertionError);
  });

  it('after power losses holds every acknowledged synced write and a prefix of the rest (300 seeds)', async () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = new SeededRandom(seed);
      const options = { lapBytes: random.pick([1024, 2048, 8192, 65536]), pendingBytesMax: random.pick([64, 512, 1024 * 1024]) };
      let inner = new PowerLossEngine();
      let file = new PowerLossJournalFile(new Uint8Array(random.pick([256, 1024, 8192])));
      let engine = await JournaledEngine.open(inner, file, options);
      let history: WriteOp[][] = [];
      let durable = 0;
      let wraps = 0;
      for (let cycle = 0; cycle < 5; cycle++) {
        for (let i = random.int(80); i > 0; i--) {
          const ops = randomBatch(random);
          const sync = random.chance(0.4);
          engine.writeSync(ops, { sync });
          history.push(ops);
          if (sync) durable = history.length;
        }
        wraps += engine.stats.checkpoints + engine.stats.largeBatches;
        if (random.chance(0.2)) {
          await engine.close();
          durable = history.length;
        }
        inner = inner.survivors(random);
        file = file.survivors(random);
        engine = await JournaledEngine.open(inner, file, options);
        const kept = prefixLength(history, await contents(engine), durable);
        if (kept < 0) throw new Error(`seed ${seed}, cycle ${cycle}: the state after the power loss is no prefix of the writes from batch ${durable} on`);
        history = history.slice(0, kept);
        durable = kept;
      }
      expect(wraps, `seed ${seed}`).toBeGreaterThan(0);
    }
  });

  it('replays what the engine lost from the journal', async () => {
    const random = new SeededRandom(7);
    const inner = new PowerLossEngine();
    const file = new PowerLossJournalFile();
    const engine = await JournaledEngine.open(inner, file);
    for (let i = 0; i < 10; i++) await engine.write([{ type: 'put', key: text(`k${i}`), value: text(`v${i}`) }], { sync: true });
    // The engine kept nothing past the open's checkpoint; the journal has all ten.
    const reopened = await JournaledEngine.open(new PowerLossEngine(), file.survivors(random));
    expect(reopened.stats.replayed).toBe(10);
    expect((await contents(reopened)).size).toBe(10);
    expect(hex((await reopened.get(text('k9')))!)).toBe(hex(text('v9')));
  });

  it('refuses to open when the journal does not continue the engine', async () => {
    const file = new PowerLossJournalFile();
    const engine = await JournaledEngine.open(new MemoryEngine(), file, { lapBytes: 1024 });
    for (let i = 0; i < 40; i++) await engine.write([{ type: 'put', key: text(`k${i % 4}`), value: new Uint8Array(100) }], { sync: true });
    expect(engine.stats.checkpoints).toBeGreaterThan(1);
    // An engine that lost synced batches (a disk that lied): the journal's lap starts past it.
    await expect(JournaledEngine.open(new MemoryEngine(), file)).rejects.toThrow(JournalGapError);
  });
});
