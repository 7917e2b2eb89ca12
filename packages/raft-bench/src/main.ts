import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandLineOptions } from '@shoal/base';
import { GrpcTransport, InMemoryNetwork, RaftHost, RegisterMachine, type Transport } from '@shoal/raft-host';
import type { StorageEngine } from '@shoal/storage';
import { openRocksDbEngine } from '@shoal/storage-rocksdb';

/**
 * `npm run bench:raft [-- --seconds 10 --transport memory|grpc --groups 1,64 --inflight 32]`:
 * committed proposals per second and commit latency on three in-process nodes with synced writes.
 */
const { option } = commandLineOptions(process.argv.slice(2));
const SECONDS = Number(option('seconds', '10'));
const WARMUP_SECONDS = 2;
const TRANSPORT = option('transport', 'memory');
const GROUP_COUNTS = option('groups', '1,64').split(',').map(Number);
/** Proposals in flight across all groups (closed loop). */
const INFLIGHT = Number(option('inflight', '512'));
const NODES = [1, 2, 3];
const VALUE = 'x'.repeat(16);

interface RunResult {
  groups: number;
  committed: number;
  perSecond: number;
  p50: number;
  p99: number;
  cpuMicrosPerProposal: number;
  syncsPerSecond: number;
}

async function openTransports(): Promise<Transport[]> {
  if (TRANSPORT === 'memory') {
    const network = new InMemoryNetwork();
    return NODES.map((node) => network.transport(node));
  }
  const transports = await Promise.all(NODES.map((node) => GrpcTransport.start({ node, listen: '127.0.0.1:0', peers: new Map() })));
  for (const [i, transport] of transports.entries()) {
    for (const [j, other] of transports.entries()) if (i !== j) transport.setPeer(j + 1, `127.0.0.1:${other.port}`);
  }
  return transports;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

async function run(groups: number): Promise<RunResult> {
  const directory = mkdtempSync(join(tmpdir(), 'shoal-bench-raft-'));
  const engines: StorageEngine[] = [];
  const hosts: RaftHost[] = [];
  const transports = await openTransports();
  for (const [i, node] of NODES.entries()) {
    const engine = await openRocksDbEngine(join(directory, `node-${node}`));
    engines.push(engine);
    const host = new RaftHost({ node, engine, transport: transports[i] as Transport, tickMs: 20, maxEntriesPerMessage: 256, snapshotEvery: 50_000 });
    hosts.push(host);
    for (let group = 1; group <= groups; group++) await host.addGroup(group, { voters: NODES, learners: [] }, new RegisterMachine());
  }
  const leaderOf = (group: number) => hosts.find((host) => host.raft(group).role === 'leader');
  const deadline = Date.now() + 30_000;
  while (Array.from({ length: groups }, (_, g) => leaderOf(g + 1)).some((leader) => !leader)) {
    if (Date.now() > deadline) throw new Error('groups did not elect leaders');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }

  const latencies: number[] = [];
  let measuring = false;
  let running = true;
  let committed = 0;
  let sequence = 0;
  const proposer = async (group: number) => {
    while (running) {
      const leader = leaderOf(group);
      if (!leader) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      const started = performance.now();
      try {
        await leader.propose(group, RegisterMachine.command(`k${sequence++ % 10_000}`, VALUE));
      } catch {
        continue; // leadership changed: retry on the new leader
      }
      if (measuring) {
        latencies.push(performance.now() - started);
        committed++;
      }
    }
  };
  const proposers = Array.from({ length: Math.max(INFLIGHT, groups) }, (_, i) => proposer(1 + (i % groups)));
  await new Promise((resolve) => setTimeout(resolve, WARMUP_SECONDS * 1000));
  const syncsBefore = hosts.reduce((sum, host) => sum + host.stats.syncs, 0);
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  measuring = true;
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  measuring = false;
  const elapsed = (performance.now() - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const syncs = hosts.reduce((sum, host) => sum + host.stats.syncs, 0) - syncsBefore;
  running = false;
  await Promise.race([Promise.all(proposers), new Promise((resolve) => setTimeout(resolve, 2000))]);
  for (const host of hosts) await host.close();
  for (const engine of engines) await engine.close();
  rmSync(directory, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  return {
    groups,
    committed,
    perSecond: committed / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    cpuMicrosPerProposal: ((cpu.user + cpu.system) / Math.max(committed, 1)),
    syncsPerSecond: syncs / elapsed,
  };
}

console.log(`bench:raft: 3 nodes in one process, RocksDB with synced writes, ${TRANSPORT} transport, ${INFLIGHT} proposals in flight, ${SECONDS} s per run`);
console.log('groups  committed/s  p50 ms  p99 ms  CPU µs/proposal  syncs/s (3 nodes)');
for (const groups of GROUP_COUNTS) {
  const result = await run(groups);
  console.log(
    `${String(result.groups).padStart(6)}  ${result.perSecond.toFixed(0).padStart(11)}  ${result.p50.toFixed(2).padStart(6)}  ${result.p99.toFixed(2).padStart(6)}  ${result.cpuMicrosPerProposal.toFixed(1).padStart(15)}  ${result.syncsPerSecond.toFixed(0).padStart(7)}`,
  );
}
