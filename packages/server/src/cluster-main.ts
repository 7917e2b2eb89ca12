import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { commandLineOptions } from '@shoal/base';
import { initialMap, metadataVotersOf, type ClusterLayout } from '@shoal/placement';
import { DYNAMODB_SPLIT_POLICY } from '@shoal/router';
import type { ClusterFile, ClusterProcess } from './cluster-file.js';
import { LAYOUT_FILE, loadOrCreateLayout, zoneName } from './layout-file.js';

/**
 * `npm run cluster -- [--nodes 3] [--azs 3] [--partitions 8] [--port 8000] [--grpc-port 8001]
 *   [--data-dir ./data-cluster] [--gateway-az us-east-1a] [--spare-nodes 0 [--spare-az AZ]]
 *   [--split-bytes 10737418240] [--split-writes-per-second 0] [--split-interval-ms 10000]
 *   [--snapshot-every 10000]`:
 * a local multi-process cluster. One process per storage node (RocksDB under D/node-N, Raft and
 * the replica service over loopback gRPC), in AZs a, b, c... in turn, and one gateway process
 * serving the DynamoDB API on the port. Writes D/cluster.json with every process it started
 * (pid, role, az, ports, and the command that starts it again). Stops them all on SIGINT/SIGTERM.
 */
const { option } = commandLineOptions(process.argv.slice(2));
const nodeCount = Number(option('nodes', '3'));
const azs = Number(option('azs', '3'));
const region = option('region', 'us-east-1');
const dataDir = resolve(option('data-dir', './data-cluster'));
const requestedPort = Number(option('port', '8000'));
const collectionLimit = option('item-collection-bytes-max', '');
const spareCount = Number(option('spare-nodes', '0'));
const snapshotEvery = option('snapshot-every', '');
if (!Number.isInteger(nodeCount) || nodeCount < 3) throw new Error('--nodes must be at least 3 (one replica per AZ)');
if (!Number.isInteger(azs) || azs < 1) throw new Error('--azs must be at least 1');

const ROOT = new URL('../../../', import.meta.url).pathname;
const layoutFile = join(dataDir, LAYOUT_FILE);
const layout = loadOrCreateLayout(dataDir, nodeCount + spareCount, (): ClusterLayout => {
  const serving = Array.from({ length: nodeCount }, (_, i) => ({ id: i + 1, az: zoneName(region, i % azs) }));
  // Spare nodes run but hold nothing until `npm run admin -- add-node ID` moves replicas onto them.
  const spares = Array.from({ length: spareCount }, (_, i) => ({ id: nodeCount + i + 1, az: option('spare-az', '') || zoneName(region, (nodeCount + i) % azs) }));
  return { nodes: [...serving, ...spares], metadataVoters: metadataVotersOf(serving), map: initialMap(Number(option('partitions', '8')), serving) };
});

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}


const children: ChildProcess[] = [];
let stopping = false;

/** Starts a TypeScript entrypoint; resolves once its output matches `ready`. */
function start(entry: string, args: string[], ready: RegExp, name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  return new Promise((resolveChild, reject) => {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      for (const line of text.split('\n').filter(Boolean)) console.log(`[${name}] ${line}`);
      output += text;
      if (ready.test(output)) resolveChild(child);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      if (!stopping) console.log(`[${name}] exited (${signal ?? code})`);
      reject(new Error(`${name} exited before it was ready:\n${output}`));
    });
  });
}

/** Starts every node and the gateway on freshly chosen ports. */
async function startAll(): Promise<{ entries: ClusterProcess[]; gatewayPort: number }> {
  const nodePorts = new Map<number, { raft: number; replica: number }>();
  for (const node of layout.nodes) nodePorts.set(node.id, { raft: await freePort(), replica: await freePort() });
  const entries: ClusterProcess[] = [];
  await Promise.all(
    layout.nodes.map(async (node) => {
      const ports = nodePorts.get(node.id)!;
      const peers = layout.nodes.filter((peer) => peer.id !== node.id).map((peer) => `${peer.id}=127.0.0.1:${nodePorts.get(peer.id)!.raft}`);
      const args = ['--id', String(node.id), '--layout', layoutFile, '--data-dir', join(dataDir, `node-${node.id}`), '--raft', `127.0.0.1:${ports.raft}`, '--replica', `127.0.0.1:${ports.replica}`, '--peers', peers.join(','), '--region', region, '--exit-with-parent'];
      if (collectionLimit) args.push('--item-collection-bytes-max', collectionLimit);
      if (snapshotEvery) args.push('--snapshot-every', snapshotEvery);
      const entry = 'packages/storage-node/src/main.ts';
      const child = await start(entry, args, /storage node \d+ .* replica=\d+/, `node-${node.id}`);
      entries.push({ pid: child.pid as number, role: 'storage', id: node.id, az: node.az, ports, command: [process.execPath, '--import', 'tsx', entry, ...args] });
    }),
  );
  const gatewayPort = requestedPort === 0 ? await freePort() : requestedPort;
  const replicas = layout.nodes.map((node) => `${node.id}=127.0.0.1:${nodePorts.get(node.id)!.replica}`).join(',');
  const requestedGrpcPort = Number(option('grpc-port', '8001'));
  const grpcPort = requestedGrpcPort === 0 || requestedPort === 0 ? await freePort() : requestedGrpcPort;
  // With --gateway-az, eventually consistent reads are served by the replicas in that AZ (possibly
  // stale); without it every read goes to the partition's leader (a client reads its own writes).
  const gatewayAz = option('gateway-az', '');
  const gatewayArgs = ['--port', String(gatewayPort), '--grpc-port', String(grpcPort), '--host', option('host', '0.0.0.0'), '--layout', layoutFile, '--replicas', replicas, '--region', region, '--exit-with-parent'];
  if (gatewayAz) gatewayArgs.push('--az', gatewayAz);
  // The one gateway watches partition sizes and load, and splits partitions past the thresholds.
  gatewayArgs.push('--split-bytes', option('split-bytes', String(DYNAMODB_SPLIT_POLICY.maxBytes)));
  gatewayArgs.push('--split-writes-per-second', option('split-writes-per-second', String(DYNAMODB_SPLIT_POLICY.maxWritesPerSecond)));
  gatewayArgs.push('--split-interval-ms', option('split-interval-ms', String(DYNAMODB_SPLIT_POLICY.intervalMs)));
  const gatewayEntry = 'packages/server/src/main.ts';
  const gateway = await start(gatewayEntry, gatewayArgs, /DynamoDB API on/, 'gateway');
  entries.push({ pid: gateway.pid as number, role: 'gateway', ...(gatewayAz ? { az: gatewayAz } : {}), ports: { http: gatewayPort, grpc: grpcPort }, command: [process.execPath, '--import', 'tsx', gatewayEntry, ...gatewayArgs] });
  return { entries, gatewayPort };
}

/**
 * Free ports are chosen before the processes bind them, so another process may take one in
 * between (tests start clusters side by side): a start that fails is retried on new ports.
 */
const START_ATTEMPTS = 3;
let started: { entries: ClusterProcess[]; gatewayPort: number } | undefined;
for (let attempt = 1; !started; attempt++) {
  try {
    started = await startAll();
  } catch (error) {
    const exits = children.filter((child) => child.exitCode === null && child.signalCode === null).map((child) => new Promise((done) => child.once('exit', done)));
    stopping = true;
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(exits);
    children.length = 0;
    stopping = false;
    if (attempt >= START_ATTEMPTS) throw error;
    console.log(`shoal cluster: start failed (${(error as Error).message.split('\n')[0]}); retrying on other ports`);
  }
}
const { entries, gatewayPort } = started;
entries.sort((a, b) => (a.id ?? Infinity) - (b.id ?? Infinity));
const clusterFile: ClusterFile = { url: `http://localhost:${gatewayPort}`, cwd: ROOT, layout: layoutFile, processes: entries };
writeFileSync(join(dataDir, 'cluster.json'), JSON.stringify(clusterFile, null, 2));
console.log(`shoal cluster: DynamoDB API on http://localhost:${gatewayPort} (${nodeCount} storage nodes in ${Math.min(azs, nodeCount)} AZs${spareCount ? ` and ${spareCount} spare` : ''}; processes in ${join(dataDir, 'cluster.json')})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    const exits = children.filter((child) => child.exitCode === null && child.signalCode === null).map((child) => new Promise((done) => child.once('exit', done)));
    for (const child of children) child.kill('SIGTERM');
    void Promise.all(exits).then(() => process.exit(0));
  });
}
