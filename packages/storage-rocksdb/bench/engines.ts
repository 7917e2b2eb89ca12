/**
 * `npm run bench:storage`: the candidate RocksDB bindings on Shoal's access pattern: synced
 * write batches (1 and 64 operations of 1 KB), point reads (asynchronous, and synchronous where
 * the binding can), and 100-entry range scans. Each figure is the median of five runs.
 * Recorded in docs/decisions/0001-rocksdb-binding.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RocksLevel } from '@nxtedition/rocksdb';

const require = createRequire(import.meta.url);
const RocksDBNative = require('rocksdb-native') as new (path: string) => NativeDb;
interface NativeDb {
  ready(): Promise<void>;
  write(): { put(key: Buffer, value: Buffer): void; flush(): Promise<void>; destroy(): void };
  read(): { get(key: Buffer): Promise<Buffer | null>; flush(): Promise<void>; destroy(): void };
  iterator(range: { gte: Buffer; limit: number }): AsyncIterable<{ key: Buffer; value: Buffer }>;
  close(): Promise<void>;
}

const RECORDS = 20_000;
const VALUE = Buffer.alloc(1024, 7);
const RUNS = 5;
const key = (n: number) => Buffer.from(`user${String(n).padStart(8, '0')}`);

interface Candidate {
  name: string;
  open(dir: string): Promise<void>;
  /** Whether `write` can fsync the WAL before resolving. */
  durable: boolean;
  write(ops: number, start: number): Promise<void>;
  get(n: number): Promise<unknown>;
  getSync?(n: number): unknown;
  scan(n: number): Promise<number>;
  close(): Promise<void>;
}

function nxtedition(): Candidate {
  let db: RocksLevel;
  return {
    name: '@nxtedition/rocksdb 12.2 (RocksDB 9.x)',
    durable: true,
    async open(dir) {
      db = new RocksLevel(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
      await db.open({ createIfMissing: true });
    },
    write: (ops, start) => db.batch(Array.from({ length: ops }, (_, i) => ({ type: 'put' as const, key: key(start + i), value: VALUE })), { sync: true }),
    get: (n) => db.getMany([key(n)]),
    getSync: (n) => (db as unknown as { _getManySync(k: Buffer[], o: object): unknown })._getManySync([key(n)], {}),
    async scan(n) {
      const iterator = db.iterator({ gte: key(n), limit: 100 });
      const entries = await iterator.nextv(100);
      await iterator.close();
      return entries.length;
    },
    close: () => db.close(),
  };
}

function rocksdbNative(): Candidate {
  let db: NativeDb;
  return {
    name: 'rocksdb-native 3.18 (holepunch librocksdb)',
    durable: false,
    async open(dir) {
      db = new RocksDBNative(dir);
      await db.ready();
    },
    async write(ops, start) {
      const batch = db.write();
      for (let i = 0; i < ops; i++) batch.put(key(start + i), VALUE);
      await batch.flush();
      batch.destroy();
    },
    async get(n) {
      const batch = db.read();
      const value = batch.get(key(n));
      await batch.flush();
      batch.destroy();
      return value;
    },
    async scan(n) {
      let count = 0;
      for await (const _ of db.iterator({ gte: key(n), limit: 100 })) count++;
      return count;
    },
    close: () => db.close(),
  };
}

async function timed(operations: number, body: () => Promise<void> | void): Promise<number> {
  const started = performance.now();
  await body();
  return (operations * 1000) / (performance.now() - started);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function measure(candidate: Candidate): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = {};
  const record = (name: string, value: number) => (samples[name] ??= []).push(value);
  for (let run = 0; run < RUNS; run++) {
    const dir = mkdtempSync(join(tmpdir(), 'shoal-engines-'));
    await candidate.open(dir);
    record('write batch=1 (ops/s)', await timed(500, async () => {
      for (let i = 0; i < 500; i++) await candidate.write(1, i);
    }));
    record('write batch=64 (ops/s)', await timed(RECORDS, async () => {
      for (let i = 0; i < RECORDS; i += 64) await candidate.write(64, i);
    }));
    record('get async (ops/s)', await timed(20_000, async () => {
      for (let i = 0; i < 20_000; i++) await candidate.get((i * 7919) % RECORDS);
    }));
    if (candidate.getSync) {
      record('get sync (ops/s)', await timed(20_000, () => {
        for (let i = 0; i < 20_000; i++) candidate.getSync!((i * 7919) % RECORDS);
      }));
    }
    record('scan 100 (scans/s)', await timed(2_000, async () => {
      for (let i = 0; i < 2_000; i++) await candidate.scan((i * 7919) % (RECORDS - 100));
    }));
    await candidate.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, Math.round(median(values))]));
}

for (const candidate of [nxtedition(), rocksdbNative()]) {
  const results = await measure(candidate);
  console.log(`\n${candidate.name}${candidate.durable ? '' : '  (writes NOT synced: the binding exposes no sync option)'}`);
  for (const [name, value] of Object.entries(results)) console.log(`  ${name.padEnd(24)} ${value}`);
}
