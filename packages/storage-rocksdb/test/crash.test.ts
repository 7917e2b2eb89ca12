import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { StorageEngine } from '@shoal/storage';
import { openRocksDbEngine, openRocksDbNativeEngine } from '@shoal/storage-rocksdb';
import { crashKey, crashValue } from './fixtures/crash-keys.js';

/**
 * Kill -9 durability: a child does synced writes (through group commit) and prints each key
 * once acknowledged; we SIGKILL it mid-stream, reopen the store, and check that every
 * acknowledged write is there and that each writer's keys form a gap-free prefix (its writes
 * were sequential, so a hole would be a lost write that a later one survived).
 *
 * What this does not prove: a SIGKILL keeps the kernel's page cache, so it cannot tell a synced
 * write from one merely handed to the kernel. That the fsync happens is checked separately by
 * counting fdatasync calls under strace (bench/count-syncs.ts, docs/decisions/0001).
 */

const WRITER = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));
/** Acknowledgements to wait for before the kill. */
const ACKNOWLEDGED_BEFORE_KILL = 1_000;
/** Bound on the wait for them (child start-up with tsx included). */
const ACKNOWLEDGEMENTS_WAIT_MS_MAX = 8_000;

interface Child {
  acknowledged: Map<number, number>;
  killed: Promise<void>;
}

/** Runs the writer until ACKNOWLEDGED_BEFORE_KILL lines were read, then SIGKILLs it. */
function runAndKill(engineName: string, directory: string): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, engineName, directory], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const acknowledged = new Map<number, number>();
  let lines = 0;
  let partial = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<Child>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`only ${lines} acknowledgements within ${ACKNOWLEDGEMENTS_WAIT_MS_MAX} ms; stderr: ${stderr}`));
    }, ACKNOWLEDGEMENTS_WAIT_MS_MAX);
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited by itself (code ${code}); stderr: ${stderr}`));
    });
    child.stdout.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const complete = text.split('\n');
      partial = complete.pop() ?? '';
      for (const line of complete) {
        const [loop, n] = line.split(' ').map(Number) as [number, number];
        // Acknowledgements of one loop arrive in order; keep the highest.
        acknowledged.set(loop, n);
        lines++;
      }
      if (lines >= ACKNOWLEDGED_BEFORE_KILL && !child.killed) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolve({ acknowledged, killed: exited });
      }
    });
  });
}

const engines: { name: string; open: (directory: string) => Promise<StorageEngine> }[] = [
  { name: 'nxtedition', open: (directory) => openRocksDbEngine(directory) },
  { name: 'native', open: (directory) => openRocksDbNativeEngine(directory) },
];

describe('crash durability (SIGKILL during synced writes)', () => {
  const directories: string[] = [];
  afterEach(() => {
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  for (const { name, open } of engines) {
    it(`${name}: every acknowledged write survives, and the store reopens cleanly`, async () => {
      const directory = mkdtempSync(join(tmpdir(), `shoal-crash-${name}-`));
      directories.push(directory);
      const { acknowledged, killed } = await runAndKill(name, directory);
      await killed;
      expect(acknowledged.size).toBeGreaterThan(0);

      const engine = await open(directory);
      try {
        for (const [loop, highest] of acknowledged) {
          // Everything acknowledged is there, with its value.
          const keys = Array.from({ length: highest + 1 }, (_, n) => crashKey(loop, n));
          const values = await engine.getMany(keys);
          const wrong = values.flatMap((value, n) => (value !== undefined && crashValue(loop, n).equals(value) ? [] : [n]));
          expect({ loop, highest, wrong }).toEqual({ loop, highest, wrong: [] });
          // Whatever survived beyond that is a gap-free continuation.
          const survived: number[] = [];
          for await (const [key] of engine.iterate({ gte: crashKey(loop, 0), lt: crashKey(loop + 1, 0) })) {
            survived.push(Number(Buffer.from(key).toString().split('-')[1]));
          }
          expect(survived.length).toBeGreaterThanOrEqual(highest + 1);
          expect(survived).toEqual(Array.from({ length: survived.length }, (_, n) => n));
        }
        // The reopened store takes writes.
        await engine.write([{ type: 'put', key: Buffer.from('after-crash'), value: Buffer.from('ok') }], { sync: true });
        expect(Buffer.from((await engine.get(Buffer.from('after-crash')))!).toString()).toBe('ok');
      } finally {
        await engine.close();
      }
    });
  }
});
