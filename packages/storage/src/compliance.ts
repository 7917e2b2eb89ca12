import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bytes, StorageEngine } from './engine.js';

/**
 * The behaviour every storage engine must show. Run it from each engine's tests:
 * `describeStorageCompliance('memory', async () => new MemoryEngine())`. `open(dir)` is given
 * the same directory twice when `persistent` is set, to check that data survives a reopen.
 */
export function describeStorageCompliance(
  name: string,
  open: (directory: string) => Promise<StorageEngine>,
  options: { persistent: boolean },
): void {
  const bytes = (...values: number[]): Bytes => Uint8Array.from(values);
  const text = (value: string): Bytes => new TextEncoder().encode(value);
  const show = (entries: [Bytes, Bytes][]) => entries.map(([k, v]) => [Buffer.from(k).toString('hex'), Buffer.from(v).toString()]);
  const directories: string[] = [];
  const engines: StorageEngine[] = [];

  async function fresh(): Promise<{ engine: StorageEngine; directory: string }> {
    const directory = mkdtempSync(join(tmpdir(), `shoal-compliance-${name}-`));
    directories.push(directory);
    const engine = await open(directory);
    engines.push(engine);
    return { engine, directory };
  }

  async function collect(engine: StorageEngine, range: Parameters<StorageEngine['iterate']>[0]): Promise<[Bytes, Bytes][]> {
    const entries: [Bytes, Bytes][] = [];
    for await (const entry of engine.iterate(range)) entries.push(entry);
    return entries;
  }

  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.close().catch(() => undefined);
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  describe(`storage compliance: ${name}`, () => {
    it('puts, gets and deletes; missing keys are undefined', async () => {
      const { engine } = await fresh();
      expect(await engine.get(text('a'))).toBeUndefined();
      await engine.write([{ type: 'put', key: text('a'), value: text('1') }], { sync: true });
      expect(Buffer.from((await engine.get(text('a')))!).toString()).toBe('1');
      await engine.write([{ type: 'del', key: text('a') }], { sync: false });
      expect(await engine.get(text('a'))).toBeUndefined();
    });

    it('applies a batch in order and answers getMany in the order asked', async () => {
      const { engine } = await fresh();
      await engine.write(
        [
          { type: 'put', key: text('k1'), value: text('old') },
          { type: 'put', key: text('k2'), value: text('2') },
          { type: 'put', key: text('k1'), value: text('new') },
          { type: 'del', key: text('k2') },
          { type: 'put', key: text('k3'), value: new Uint8Array(0) },
        ],
        { sync: true },
      );
      const values = await engine.getMany([text('k3'), text('k2'), text('k1')]);
      expect(values.map((v) => (v === undefined ? undefined : Buffer.from(v).toString()))).toEqual(['', undefined, 'new']);
    });

    it('iterates in unsigned byte order with bounds, reverse and limit', async () => {
      const { engine } = await fresh();
      const keys = [bytes(0xff), bytes(0x00), bytes(0x01, 0x00), bytes(0x01), bytes(0x80), bytes(0x00, 0xff)];
      await engine.write(keys.map((key, i) => ({ type: 'put' as const, key, value: text(String(i)) })), { sync: true });
      expect(show(await collect(engine, {}))).toEqual([['00', '1'], ['00ff', '5'], ['01', '3'], ['0100', '2'], ['80', '4'], ['ff', '0']]);
      expect(show(await collect(engine, { gt: bytes(0x00), lt: bytes(0x80) }))).toEqual([['00ff', '5'], ['01', '3'], ['0100', '2']]);
      expect(show(await collect(engine, { gte: bytes(0x01), lte: bytes(0x80), reverse: true }))).toEqual([['80', '4'], ['0100', '2'], ['01', '3']]);
      expect(show(await collect(engine, { gte: bytes(0x01), limit: 2 }))).toEqual([['01', '3'], ['0100', '2']]);
      expect(show(await collect(engine, { reverse: true, limit: 1 }))).toEqual([['ff', '0']]);
    });

    it('iterates a consistent snapshot: later writes do not show through', async () => {
      const { engine } = await fresh();
      await engine.write([1, 2, 3].map((n) => ({ type: 'put' as const, key: bytes(n), value: text('v') })), { sync: true });
      const seen: string[] = [];
      for await (const [key] of engine.iterate({})) {
        seen.push(Buffer.from(key).toString('hex'));
        if (seen.length === 1) {
          await engine.write([{ type: 'put', key: bytes(4), value: text('late') }, { type: 'del', key: bytes(3) }], { sync: true });
        }
      }
      expect(seen).toEqual(['01', '02', '03']);
    });

    if (options.persistent) {
      it('keeps synced writes across a reopen', async () => {
        const { engine, directory } = await fresh();
        await engine.write([{ type: 'put', key: text('durable'), value: text('yes') }], { sync: true });
        await engine.close();
        engines.splice(engines.indexOf(engine), 1);
        const reopened = await open(directory);
        engines.push(reopened);
        expect(Buffer.from((await reopened.get(text('durable')))!).toString()).toBe('yes');
      });
    }
  });
}
