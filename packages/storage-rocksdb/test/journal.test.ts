import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JOURNAL_FILE_NAME, openNxteditionEngine, openRocksDbEngine } from '@shoal/storage-rocksdb';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const directories: string[] = [];

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'shoal-journal-'));
  directories.push(directory);
  return directory;
}

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe('RocksDB behind the journal', () => {
  it('replays the batches a RocksDB lacks from the journal, in order', async () => {
    const directory = temporaryDirectory();
    const first = await openRocksDbEngine(directory);
    for (let i = 0; i < 10; i++) await first.write([{ type: 'put', key: text(`k${i}`), value: text(`first ${i}`) }], { sync: true });
    await first.close();
    // A copy of the store as it stood then: batches 1-10, and the journal of that time.
    const earlier = temporaryDirectory();
    cpSync(directory, earlier, { recursive: true });

    const second = await openRocksDbEngine(directory);
    for (let i = 5; i < 30; i++) {
      await second.write([{ type: 'put', key: text(`k${i}`), value: text(`second ${i}`) }, { type: 'del', key: text(`k${i - 5}`) }], { sync: i % 3 === 0 });
    }
    await second.write([], { sync: true });
    const journal = readFileSync(join(directory, JOURNAL_FILE_NAME));
    await second.close();

    // The earlier store with the later journal: RocksDB lost everything after batch 10.
    writeFileSync(join(earlier, JOURNAL_FILE_NAME), journal);
    const recovered = await openRocksDbEngine(earlier);
    const rows: string[] = [];
    for await (const [key, value] of recovered.iterate({})) rows.push(`${Buffer.from(key)}=${Buffer.from(value)}`);
    expect(rows).toEqual([25, 26, 27, 28, 29].map((i) => `k${i}=second ${i}`));
    await recovered.close();
  });

  it('opens a store written before the journal existed, and journals from then on', async () => {
    const directory = temporaryDirectory();
    const plain = await openNxteditionEngine(directory);
    await plain.write([{ type: 'put', key: text('old'), value: text('kept') }], { sync: true });
    await plain.close();
    const journaled = await openRocksDbEngine(directory);
    expect(Buffer.from((await journaled.get(text('old')))!).toString()).toBe('kept');
    await journaled.write([{ type: 'put', key: text('new'), value: text('added') }], { sync: true });
    await journaled.close();
    const again = await openRocksDbEngine(directory);
    const rows: string[] = [];
    for await (const [key, value] of again.iterate({})) rows.push(`${Buffer.from(key)}=${Buffer.from(value)}`);
    expect(rows).toEqual(['new=added', 'old=kept']);
    await again.close();
  });

  it('writes synced batches without changing the journal file length', async () => {
    const directory = temporaryDirectory();
    const engine = await openRocksDbEngine(directory);
    const path = join(directory, JOURNAL_FILE_NAME);
    const bytesBefore = statSync(path).size;
    for (let i = 0; i < 200; i++) await engine.write([{ type: 'put', key: text(`k${i % 20}`), value: new Uint8Array(1000).fill(i) }], { sync: true });
    expect(statSync(path).size).toBe(bytesBefore);
    expect(bytesBefore).toBe(1024 * 1024);
    await engine.close();
  });

  it('grows the journal file to one lap and no further, over many laps', async () => {
    const directory = temporaryDirectory();
    const lapBytes = 2 * 1024 * 1024;
    const engine = await openRocksDbEngine(directory, { journalLapBytes: lapBytes });
    // 6,000 batches of 1 KB: three laps.
    for (let i = 0; i < 6000; i++) await engine.write([{ type: 'put', key: text(`k${i}`), value: new Uint8Array(1000).fill(i % 251) }], { sync: i % 10 === 0 });
    expect(statSync(join(directory, JOURNAL_FILE_NAME)).size).toBe(lapBytes);
    await engine.close();
    const reopened = await openRocksDbEngine(directory, { journalLapBytes: lapBytes });
    let rows = 0;
    for await (const [, value] of reopened.iterate({})) if (value.length === 1000) rows++;
    expect(rows).toBe(6000);
    await reopened.close();
  });
});
