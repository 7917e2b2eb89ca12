/**
 * `npm run bench:storage [-- --runs=N]`: the candidate RocksDB bindings, each behind its
 * StorageEngine adapter, on Shoal's access pattern:
 * - synced write batches of 1, 16 and 64 puts of 1 KB, one batch at a time;
 * - synced single-put writes from 64 concurrent writers through GroupCommitWriter;
 * - point reads: get, getMany of 16 keys, and (where the binding can) a synchronous get;
 * - 100-entry range scans, forward and reverse.
 * Every figure is the median over the runs (default 5) of that run's throughput and its p50/p99
 * latency per call. Each run starts from a fresh directory (on the same disk as the system
 * temporary directory: check it is not a tmpfs, where fsync is free) holding RECORDS keys.
 * Recorded in docs/decisions/0001-rocksdb-binding.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { canReadSync, GroupCommitWriter, type StorageEngine, type WriteOp } from '@shoal/storage';
import { openNxteditionEngine, openRocksDbNativeEngine } from '@shoal/storage-rocksdb';

const RECORDS = 20_000;
const VALUE_BYTES = 1024;
const VALUE = Buffer.alloc(VALUE_BYTES, 7);
const SCAN_ENTRIES = 100;
const GET_MANY_KEYS = 16;
const WRITERS_CONCURRENT = 64;
const runsArgument = process.argv.find((argument) => argument.startsWith('--runs='));
const RUNS = runsArgument ? Number(runsArgument.slice('--runs='.length)) : 5;

const key = (n: number) => Buffer.from(`user${String(n).padStart(8, '0')}`);
/** A fixed permutation-like walk over the records, the same for every engine and run. */
const spread = (i: number, modulo = RECORDS) => (i * 7919) % modulo;

interface Sample {
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] as number;
}

/** Runs `calls` calls one after another; `opsPerCall` operations each (keys written or read). */
async function sequential(calls: number, opsPerCall: number, call: (i: number) => Promise<unknown> | unknown): Promise<Sample> {
  const latenciesMs: number[] = [];
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const before = performance.now();
    await call(i);
    latenciesMs.push(performance.now() - before);
  }
  const elapsedMs = performance.now() - started;
  latenciesMs.sort((a, b) => a - b);
  return { opsPerSecond: (calls * opsPerCall * 1000) / elapsedMs, p50Ms: percentile(latenciesMs, 0.5), p99Ms: percentile(latenciesMs, 0.99) };
}

/** `writers` concurrent loops, each doing `perWriter` synced single-put writes through one GroupCommitWriter. */
async function groupCommitted(engine: StorageEngine, writers: number, perWriter: number): Promise<Sample & { opsPerSync: number }> {
  const writer = new GroupCommitWriter(engine);
  const latenciesMs: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) {
        const before = performance.now();
        await writer.write([{ type: 'put', key: key(spread(w * perWriter + i)), value: VALUE }]);
        latenciesMs.push(performance.now() - before);
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  latenciesMs.sort((a, b) => a - b);
  return {
    opsPerSecond: (writers * perWriter * 1000) / elapsedMs,
    p50Ms: percentile(latenciesMs, 0.5),
    p99Ms: percentile(latenciesMs, 0.99),
    opsPerSync: writer.stats.ops / writer.stats.syncs,
  };
}

const puts = (count: number, start: number): WriteOp[] =>
  Array.from({ length: count }, (_, i) => ({ type: 'put', key: key(spread(start + i)), value: VALUE }));

async function scan(engine: StorageEngine, start: number, reverse: boolean): Promise<void> {
  let count = 0;
  const range = reverse ? { lte: key(start), reverse, limit: SCAN_ENTRIES } : { gte: key(start), limit: SCAN_ENTRIES };
  for await (const _entry of engine.iterate(range)) count++;
  if (count !== SCAN_ENTRIES) throw new Error(`scan returned ${count} entries`);
}

async function oneRun(open: (directory: string) => Promise<StorageEngine>): Promise<Record<string, Sample>> {
  const directory = mkdtempSync(join(tmpdir(), 'shoal-bench-engines-'));
  const engine = await open(directory);
  const results: Record<string, Sample> = {};
  try {
    for (let i = 0; i < RECORDS; i += 500) await engine.write(puts(500, i), { sync: false });
    results['synced write, batch 1 (puts/s)'] = await sequential(1000, 1, (i) => engine.write(puts(1, i), { sync: true }));
    results['synced write, batch 16 (puts/s)'] = await sequential(300, 16, (i) => engine.write(puts(16, i * 16), { sync: true }));
    results['synced write, batch 64 (puts/s)'] = await sequential(150, 64, (i) => engine.write(puts(64, i * 64), { sync: true }));
    const concurrent = await groupCommitted(engine, WRITERS_CONCURRENT, 50);
    results[`group commit, ${WRITERS_CONCURRENT} writers (puts/s)`] = concurrent;
    results[`  (puts per sync)`] = { opsPerSecond: concurrent.opsPerSync, p50Ms: NaN, p99Ms: NaN };
    results['get (keys/s)'] = await sequential(20_000, 1, (i) => engine.get(key(spread(i))));
    results[`getMany ${GET_MANY_KEYS} (keys/s)`] = await sequential(2_000, GET_MANY_KEYS, (i) =>
      engine.getMany(Array.from({ length: GET_MANY_KEYS }, (_, k) => key(spread(i * GET_MANY_KEYS + k)))),
    );
    if (canReadSync(engine)) results['getSync (keys/s)'] = await sequential(20_000, 1, (i) => engine.getSync(key(spread(i))));
    results[`scan ${SCAN_ENTRIES} forward (scans/s)`] = await sequential(1_000, 1, (i) => scan(engine, spread(i, RECORDS - SCAN_ENTRIES), false));
    results[`scan ${SCAN_ENTRIES} reverse (scans/s)`] = await sequential(1_000, 1, (i) => scan(engine, SCAN_ENTRIES + spread(i, RECORDS - SCAN_ENTRIES), true));
  } finally {
    await engine.close();
    rmSync(directory, { recursive: true, force: true });
  }
  return results;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const format = (value: number, digits: number) => (Number.isNaN(value) ? '' : value.toLocaleString('en-US', { maximumFractionDigits: digits }));

const candidates: { name: string; open: (directory: string) => Promise<StorageEngine> }[] = [
  { name: '@nxtedition/rocksdb 12.2 (RocksDB 9.7.4), WriteOptions.sync', open: (d) => openNxteditionEngine(d) },
  { name: 'rocksdb-native 3.18 (RocksDB 10.5.1), WAL fdatasync emulated', open: (d) => openRocksDbNativeEngine(d) },
];

console.log(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${RUNS} runs, ${RECORDS} records of ${VALUE_BYTES} B, directory under ${tmpdir()}`);
for (const candidate of candidates) {
  const runs: Record<string, Sample>[] = [];
  for (let run = 0; run < RUNS; run++) runs.push(await oneRun(candidate.open));
  console.log(`\n${candidate.name}`);
  console.log(`  ${'figure'.padEnd(36)} ${'ops/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
  for (const figure of Object.keys(runs[0]!)) {
    const of = (field: keyof Sample) => median(runs.map((r) => r[figure]![field]));
    console.log(`  ${figure.padEnd(36)} ${format(of('opsPerSecond'), 0).padStart(10)} ${format(of('p50Ms'), 3).padStart(8)} ${format(of('p99Ms'), 3).padStart(8)}`);
  }
}
