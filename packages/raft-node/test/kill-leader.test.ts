import { afterAll, describe, expect, it } from 'vitest';
import { spawnEntrypoint, temporaryDirectory, waitFor, type ChildHandle } from '@shoal/testkit';

/**
 * Three Raft node processes on loopback gRPC, each with its own RocksDB. Under a concurrent write
 * load, the leader of group 1 is killed with SIGKILL; the survivors elect a new leader and writes
 * resume; the killed node restarts from its data directory and catches up. Every acknowledged
 * write must then be on all three nodes with its value.
 */
const GROUPS = 2;
const NODES = [1, 2, 3];
const WRITERS = 8;

interface Running {
  handle: ChildHandle;
  raft: string;
  client: string;
}

const dataDirs = new Map(NODES.map((node) => [node, temporaryDirectory(`shoal-raft-node-${node}-`)]));
const running = new Map<number, Running>();

async function start(node: number): Promise<void> {
  const handle = await spawnEntrypoint(
    'packages/raft-node/src/main.ts',
    ['--node', String(node), '--data-dir', dataDirs.get(node) as string, '--groups', String(GROUPS)],
    /raft-node \d+ raft=(\d+) client=(\d+)/,
  );
  running.set(node, { handle, raft: `127.0.0.1:${handle.match[1]}`, client: `http://127.0.0.1:${handle.match[2]}` });
  // Every node learns every other node's (possibly new) address.
  for (const [id, target] of running) {
    const peers = Object.fromEntries([...running].filter(([other]) => other !== id).map(([other, { raft }]) => [other, raft]));
    await post(target.client, '/peers', peers);
  }
}

async function post(base: string, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(3000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function get(base: string, path: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(3000) });
  return (await response.json()) as Record<string, unknown>;
}

async function leaderOf(group: number): Promise<number | undefined> {
  for (const [node, { client }] of running) {
    try {
      const status = (await get(client, '/status')) as { groups: { group: number; role: string }[] };
      if (status.groups.find((entry) => entry.group === group)?.role === 'leader') return node;
    } catch {
      // a node being killed or restarted
    }
  }
  return undefined;
}

afterAll(async () => {
  for (const { handle } of running.values()) await handle.stop('SIGKILL');
});

describe('real processes over gRPC', () => {
  it('loses no acknowledged write when the leader is killed under load and later rejoins', async () => {
    for (const node of NODES) await start(node);
    for (let group = 1; group <= GROUPS; group++) await waitFor(async () => (await leaderOf(group)) !== undefined, `a leader of group ${group}`);

    const acknowledged = new Map<string, string>(); // `${group}/${key}` -> value
    const leaders = new Map<number, number>();
    let sequence = 0;
    let stop = false;
    let lastAckAt = Date.now();
    let killed = false;
    const ackedAfterKill = Array.from({ length: GROUPS }, () => 0);
    let longestGapMs = 0;
    const writer = async (id: number) => {
      while (!stop) {
        const group = 1 + (sequence % GROUPS);
        const key = `w${id}-${sequence++}`;
        const value = `v${sequence}`;
        const leader = leaders.get(group) ?? (await leaderOf(group));
        const target = leader === undefined ? undefined : running.get(leader);
        if (leader === undefined || !target) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          continue;
        }
        leaders.set(group, leader);
        try {
          const response = await post(target.client, '/put', { group, key, value });
          if (response.status === 200) {
            acknowledged.set(`${group}/${key}`, value);
            if (killed) ackedAfterKill[group - 1]!++;
            const now = Date.now();
            // The gap that matters is in the killed leader's group: how long until it took writes again.
            if (group === 1) {
              longestGapMs = Math.max(longestGapMs, now - lastAckAt);
              lastAckAt = now;
            }
            continue;
          }
          leaders.delete(group);
          if (response.status === 421 && typeof response.body.leader === 'number' && response.body.leader !== 0) leaders.set(group, response.body.leader);
        } catch {
          leaders.delete(group); // connection refused or timed out: outcome unknown, not counted
        }
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, id) => writer(id));

    await waitFor(() => acknowledged.size >= 300, '300 acknowledged writes before the kill');
    const victim = (await leaderOf(1)) as number;
    const killedAt = acknowledged.size;
    await running.get(victim)?.handle.stop('SIGKILL');
    running.delete(victim);
    killed = true;
    longestGapMs = 0;
    await waitFor(() => acknowledged.size >= killedAt + 300, '300 more acknowledged writes after the kill');
    const failoverGapMs = longestGapMs;

    await start(victim);
    await waitFor(() => acknowledged.size >= killedAt + 500, 'writes with the killed node back');
    stop = true;
    await Promise.all(writers);

    // Every acknowledged write is on every node, with its value.
    const missing = async (node: number, group: number, expected: string[][]) => {
      const values = ((await get((running.get(node) as Running).client, `/dump?group=${group}`)) as { values: Record<string, string> }).values;
      return expected.filter(([key, value]) => values[key as string] !== value).map(([key]) => key);
    };
    for (let group = 1; group <= GROUPS; group++) {
      const expected = [...acknowledged].filter(([key]) => key.startsWith(`${group}/`)).map(([key, value]) => [key.slice(`${group}/`.length), value] as string[]);
      for (const node of NODES) {
        try {
          await waitFor(async () => (await missing(node, group, expected)).length === 0, `node ${node} to hold every acknowledged write of group ${group}`);
        } catch (error) {
          const report = [];
          for (const other of NODES) report.push(`node ${other}: missing ${JSON.stringify((await missing(other, group, expected)).slice(0, 5))}; status ${JSON.stringify(await get((running.get(other) as Running).client, '/status'))}`);
          throw new Error(`${(error as Error).message} (killed node ${victim})\n${report.join('\n')}`);
        }
      }
    }
    console.log(`raft kill test: ${acknowledged.size} acknowledged writes, node ${victim} killed after ${killedAt}; longest gap between group 1's acknowledgements after the kill: ${failoverGapMs} ms`);
    expect(acknowledged.size).toBeGreaterThanOrEqual(killedAt + 500);
    // The killed leader's group itself recovered: it has a new leader and took writes.
    expect(ackedAfterKill[0]).toBeGreaterThan(100);
  }, 120_000);
});
