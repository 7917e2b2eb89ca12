import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEFAULT_OPTIONS, startEmbeddedServer, type RunningServer } from '@shoal/server';

export function temporaryDirectory(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `shoal-${prefix}-`));
}

/**
 * Storage nodes of the servers the e2e suites start: 1 (one local store), or with
 * SHOAL_TEST_NODES=3 an embedded cluster, so that the same suites run against both.
 */
export const TEST_NODES = Number(process.env.SHOAL_TEST_NODES ?? 1);
/** With SHOAL_TEST_CLUSTER=processes, servers are multi-process clusters started by `npm run cluster`. */
export const TEST_PROCESSES = process.env.SHOAL_TEST_CLUSTER === 'processes';

/** A multi-process cluster (`npm run cluster`) with its data in `dataDir`, on free ports. */
export async function spawnClusterProcesses(dataDir: string, extraArguments: string[] = []): Promise<ServerProcess> {
  const child = await spawnEntrypoint(
    'packages/server/src/cluster-main.ts',
    // Options given first win (the launcher reads the first occurrence).
    [...extraArguments, '--nodes', String(Math.max(3, TEST_NODES)), '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir],
    /shoal cluster: DynamoDB API on (http:\/\/\S+:(\d+))/,
  );
  const listed = JSON.parse(readFileSync(join(dataDir, 'cluster.json'), 'utf8')) as { processes: { role: string; ports: Record<string, number> }[] };
  const grpcPort = listed.processes.find((entry) => entry.role === 'gateway')?.ports.grpc;
  return { ...child, url: child.match[1]!.replace('localhost', '127.0.0.1'), port: Number(child.match[2]), ...(grpcPort !== undefined ? { grpcPort } : {}) };
}

/** An embedded server in this process, on a free port, with its data in a fresh temp dir. */
export async function startTestServer(options: { inMemory?: boolean; itemCollectionBytesMax?: number } = {}): Promise<RunningServer & { dataDir: string | undefined }> {
  if (TEST_PROCESSES) {
    const clusterDir = temporaryDirectory('cluster');
    const extra = options.itemCollectionBytesMax !== undefined ? ['--item-collection-bytes-max', String(options.itemCollectionBytesMax)] : [];
    const cluster = await spawnClusterProcesses(clusterDir, extra);
    return {
      url: cluster.url,
      port: cluster.port,
      ...(cluster.grpcPort !== undefined ? { grpcPort: cluster.grpcPort } : {}),
      dataDir: clusterDir,
      async close() {
        await cluster.stop('SIGTERM');
        rmSync(clusterDir, { recursive: true, force: true });
      },
    };
  }
  const dataDir = options.inMemory ? undefined : temporaryDirectory('data');
  const server = await startEmbeddedServer({
    ...DEFAULT_OPTIONS,
    host: '127.0.0.1',
    port: 0,
    dataDir,
    nodes: TEST_NODES,
    grpcPort: 0,
    ...(options.itemCollectionBytesMax !== undefined ? { itemCollectionBytesMax: options.itemCollectionBytesMax } : {}),
  });
  return {
    ...server,
    url: `http://127.0.0.1:${server.port}`,
    dataDir,
    async close() {
      await server.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function testClient(url: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDSHOALTEST', secretAccessKey: 'shoal-test-secret' },
    maxAttempts: 1,
  });
}

export interface ChildHandle {
  process: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ServerProcess extends ChildHandle {
  url: string;
  port: number;
  grpcPort?: number;
}

const REPOSITORY_ROOT = new URL('../../../', import.meta.url).pathname;
const STARTUP_TIMEOUT_MS = 30_000;

/**
 * Runs a TypeScript entrypoint of this repository as a real child process; resolves once its
 * output matches `ready` (with the match), rejects if it exits or stays silent too long.
 */
export function spawnEntrypoint(entry: string, args: string[], ready: RegExp): Promise<ChildHandle & { match: RegExpExecArray }> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start:\n${output}`)), STARTUP_TIMEOUT_MS);
    let started = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = started ? null : ready.exec(output);
      if (!match) return;
      started = true;
      clearTimeout(timer);
      resolve({
        match,
        process: child,
        output: () => output,
        async stop(signal = 'SIGTERM') {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code}:\n${output}`));
    });
  });
}

/** `npm start`'s entrypoint as a real child process; resolves once it prints its URL. */
export async function spawnServerProcess(dataDir: string, extraArguments: string[] = []): Promise<ServerProcess> {
  if (TEST_PROCESSES) return spawnClusterProcesses(dataDir, extraArguments);
  const child = await spawnEntrypoint(
    'packages/server/src/main.ts',
    ['--port', '0', '--grpc-port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--nodes', String(TEST_NODES), ...extraArguments],
    /DynamoDB API on (http:\/\/\S+:(\d+))/,
  );
  const grpc = /gRPC API on \S+:(\d+)/.exec(child.output());
  return { ...child, url: child.match[1]!.replace('localhost', '127.0.0.1'), port: Number(child.match[2]), ...(grpc ? { grpcPort: Number(grpc[1]) } : {}) };
}
