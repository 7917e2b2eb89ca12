import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';

/** A server under test, started as its own process so that its CPU time can be read from /proc. */
export interface ServerUnderTest {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const REPOSITORY_ROOT = new URL('../../../', import.meta.url).pathname;

/** Shoal's `npm start`; `nodes` 3 is the embedded cluster (three storage nodes, 3-way replication, one process). */
export async function startShoal(port: number, dataDir: string, nodes = 1): Promise<ServerUnderTest> {
  const args = ['--import', 'tsx', 'packages/server/src/main.ts', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, '--nodes', String(nodes), '--no-grpc'];
  const child = spawn(process.execPath, args, { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return ready(nodes > 1 ? 'shoal-cluster' : 'shoal', child, `http://127.0.0.1:${port}`);
}

/** The floor (floor-server.ts): node:http and one fdatasync per write, nothing else. */
export async function startFloor(port: number, dataDir: string): Promise<ServerUnderTest> {
  const args = ['--import', 'tsx', 'packages/bench/src/floor-server.ts', String(port), dataDir];
  const child = spawn(process.execPath, args, { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return ready('floor', child, `http://127.0.0.1:${port}`);
}

export async function startDynalite(port: number, dataDir: string): Promise<ServerUnderTest> {
  const child = spawn(
    process.execPath,
    ['node_modules/dynalite/cli.js', '--port', String(port), '--host', '127.0.0.1', '--path', dataDir, '--createTableMs', '0', '--deleteTableMs', '0', '--updateTableMs', '0'],
    { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return ready('dynalite', child, `http://127.0.0.1:${port}`);
}

async function ready(name: string, child: ChildProcess, url: string): Promise<ServerUnderTest> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await healthy(url))) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${name} did not become ready at ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    name,
    url,
    pid: child.pid as number,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = request(url, { method: 'GET' }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    probe.on('error', () => resolve(false));
    probe.end();
  });
}

const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU time of a process (all its threads), in microseconds, from /proc/<pid>/stat. */
export function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}
