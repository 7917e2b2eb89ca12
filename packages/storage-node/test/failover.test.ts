import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GrpcReplicaDirectory } from '@shoal/replica-rpc';
import { RawClient, spawnClusterProcesses, spawnEntrypoint, temporaryDirectory, waitFor, type ChildHandle, type ServerProcess } from '@shoal/testkit';
import type { ClusterFile, ClusterProcess } from '@shoal/server';
import type { NodeStatus } from '../src/index.js';

/**
 * kill -9 of storage node processes of a multi-process cluster (`npm run cluster`) under a
 * concurrent write load through the gateway: no acknowledged write may be lost, writes must go on
 * (the longest pause between acknowledgements is printed and must stay under 5 s), and a killed
 * node, restarted, must catch up with every partition it holds.
 */
const WRITERS = 8;
const WRITES_BEFORE_KILL = 300;
const WRITES_AFTER_KILL = 300;


let cluster: ServerProcess | undefined;
let restarted: ChildHandle[] = [];
let dataDir: string | undefined;
afterEach(async () => {
  for (const child of restarted) await child.stop('SIGKILL');
  restarted = [];
  await cluster?.stop('SIGTERM');
  cluster = undefined;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function runFailover(nodes: number, victimsOf: (storage: ClusterProcess[], statuses: NodeStatus[]) => ClusterProcess[]): Promise<void> {
  dataDir = temporaryDirectory('failover');
  // Logs compacted every 16 entries: the killed nodes restart from compacted logs, and catch up
  // from snapshots of the keyspaces where the leaders compacted past them while they were down.
  cluster = await spawnClusterProcesses(dataDir, ['--nodes', String(nodes), '--partitions', '8', '--snapshot-every', '16']);
  const processes = (JSON.parse(readFileSync(join(dataDir, 'cluster.json'), 'utf8')) as ClusterFile).processes;
  const storage = processes.filter((entry) => entry.role === 'storage');
  const directory = new GrpcReplicaDirectory(new Map(storage.map((entry) => [entry.id as number, `127.0.0.1:${entry.ports.replica}`])));
  const client = new RawClient(cluster.url);
  try {
    const created = await client.call('CreateTable', {
      TableName: 'Load',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    expect(created.status).toBe(200);
    await waitFor(async () => JSON.parse((await client.call('DescribeTable', { TableName: 'Load' })).body).Table?.TableStatus === 'ACTIVE', 'the table to be ACTIVE');

    const acknowledged: string[] = [];
    let unknown = 0;
    let lastAck = 0;
    let longestGap = 0;
    let measuring = false;
    let stop = false;
    const writer = async (w: number) => {
      for (let n = 0; !stop; n++) {
        const id = `w${w}-${n}`;
        const response = await client.call('PutItem', { TableName: 'Load', Item: { id: { S: id }, payload: { S: 'x'.repeat(200) } } });
        if (response.status !== 200) {
          // A write whose outcome the cluster could not know (its leader died with it in flight).
          expect(`${response.status} ${response.body}`).toMatch(/^500 /);
          unknown++;
          continue;
        }
        acknowledged.push(id);
        const now = Date.now();
        if (measuring) longestGap = Math.max(longestGap, now - lastAck);
        lastAck = now;
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    await waitFor(() => acknowledged.length >= WRITES_BEFORE_KILL, `${WRITES_BEFORE_KILL} writes`, 60_000);

    const statuses = await Promise.all(storage.map((entry) => directory.status<NodeStatus>(entry.id as number)));
    const victims = victimsOf(storage, statuses);
    const victimIds = new Set(victims.map((victim) => victim.id));
    expect(statuses).toHaveLength(nodes);
    expect(new Set(victims.map((victim) => victim.az)).size).toBe(1);
    const ledByVictims = statuses.filter((status) => victimIds.has(status.node)).flatMap((status) => status.groups.filter((group) => group.role === 'leader' && group.group !== 0));
    expect(ledByVictims.length).toBeGreaterThan(0);
    measuring = true;
    for (const victim of victims) process.kill(victim.pid, 'SIGKILL');
    const atKill = acknowledged.length;
    await waitFor(() => acknowledged.length >= atKill + WRITES_AFTER_KILL, `${WRITES_AFTER_KILL} more writes after the kill`, 60_000);
    console.log(
      `${nodes} nodes, kill -9 of node(s) ${[...victimIds].join(', ')} in ${victims[0]?.az} (leading ${ledByVictims.length} partitions): ${acknowledged.length} writes acknowledged, ${unknown} with unknown outcome; longest gap between acknowledgements ${longestGap} ms`,
    );
    expect(longestGap).toBeLessThan(5000);

    // Restart the killed nodes; once the load stops, every replica must reach every partition's commit.
    for (const victim of victims) {
      const [, , , entry, ...args] = victim.command;
      restarted.push(await spawnEntrypoint(entry as string, args, /storage node \d+ .* replica=\d+/));
    }
    stop = true;
    await Promise.all(writers);
    const caughtUp = async () => {
      const all = await Promise.all(storage.map((entry) => directory.status<NodeStatus>(entry.id as number).catch(() => undefined)));
      if (all.some((status) => status === undefined)) return false;
      const applied = new Map<number, Set<number>>();
      for (const status of all as NodeStatus[]) {
        for (const group of status.groups) {
          if (!applied.has(group.group)) applied.set(group.group, new Set());
          applied.get(group.group)!.add(group.applied);
        }
      }
      return [...applied.values()].every((indexes) => indexes.size === 1);
    };
    await waitFor(caughtUp, 'every replica to apply the same log', 30_000);
    const restartedStatuses = await Promise.all(victims.map((victim) => directory.status<NodeStatus>(victim.id as number)));
    console.log(`restarted node(s) installed ${restartedStatuses.map((status) => status.snapshots.installed).join(', ')} snapshot(s)`);
    expect(restartedStatuses.every((status) => status.snapshots.installed > 0 && status.snapshots.failures === 0)).toBe(true);

    const missing: string[] = [];
    for (const id of acknowledged) {
      const response = await client.call('GetItem', { TableName: 'Load', Key: { id: { S: id } }, ConsistentRead: true });
      expect(response.status).toBe(200);
      if (!JSON.parse(response.body).Item) missing.push(id);
    }
    expect(missing).toEqual([]);
  } finally {
    client.close();
    directory.close();
  }
}

describe('a multi-process cluster under kill -9', () => {
  it('loses no acknowledged write when one node dies, and the node catches up after a restart', async () => {
    await runFailover(3, (storage, statuses) => {
      // The node leading the most partitions.
      const leads = (status: NodeStatus) => status.groups.filter((group) => group.role === 'leader' && group.group !== 0).length;
      const busiest = [...statuses].sort((a, b) => leads(b) - leads(a))[0]!;
      return storage.filter((entry) => entry.id === busiest.node);
    });
  });

  it('loses no acknowledged write when every node of one AZ dies', async () => {
    await runFailover(6, (storage, statuses) => {
      const leads = (status: NodeStatus) => status.groups.filter((group) => group.role === 'leader' && group.group !== 0).length;
      const busiest = [...statuses].sort((a, b) => leads(b) - leads(a))[0]!;
      return storage.filter((entry) => entry.az === busiest.az);
    });
  });
});
