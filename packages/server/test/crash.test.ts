import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { RawClient, spawnServerProcess, temporaryDirectory } from '@shoal/testkit';

/**
 * Kills the server with SIGKILL in the middle of a burst of concurrent writes. Every write that
 * was acknowledged (HTTP 200) must be there after a restart, and the store must open cleanly.
 * An embedded cluster compacts its Raft logs every 16 entries here, so the kill also lands amid
 * compactions and the deletion of compacted entries.
 */
const SERVER_ARGUMENTS = ['--snapshot-every', '16'];
const WRITERS = 16;
const ACKNOWLEDGED_BEFORE_KILL = 400;
const dataDir = temporaryDirectory('crash');

/** Stopped after the test whatever happened in it: a failed expectation must not leave one running. */
const servers: { stop(signal?: NodeJS.Signals): Promise<unknown> }[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('kill -9 during a write burst', () => {
  it('keeps every acknowledged write', async () => {
    const first = await spawnServerProcess(dataDir, SERVER_ARGUMENTS);
    servers.push(first);
    const client = new RawClient(first.url);
    const created = await client.call('CreateTable', {
      TableName: 'Burst',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    expect(created.status).toBe(200);
    for (let attempt = 0; ; attempt++) {
      const described = await client.call('DescribeTable', { TableName: 'Burst' });
      if (JSON.parse(described.body).Table.TableStatus === 'ACTIVE') break;
      expect(attempt).toBeLessThan(1000);
    }

    const acknowledged: string[] = [];
    let killed = false;
    let reachedTarget: () => void = () => undefined;
    const target = new Promise<void>((resolve) => (reachedTarget = resolve));
    const writer = async (writerId: number) => {
      for (let n = 0; !killed; n++) {
        const id = `w${writerId}-${n}`;
        try {
          const response = await client.call('PutItem', { TableName: 'Burst', Item: { id: { S: id }, payload: { S: 'x'.repeat(512) } } });
          if (response.status === 200) acknowledged.push(id);
          if (acknowledged.length >= ACKNOWLEDGED_BEFORE_KILL) reachedTarget();
        } catch {
          return; // the connection died with the process
        }
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, i) => writer(i));
    await target;
    killed = true;
    await first.stop('SIGKILL');
    await Promise.all(writers);
    client.close();
    expect(acknowledged.length).toBeGreaterThanOrEqual(ACKNOWLEDGED_BEFORE_KILL);

    const second = await spawnServerProcess(dataDir, SERVER_ARGUMENTS);
    servers.push(second);
    const reader = new RawClient(second.url);
    const missing: string[] = [];
    for (const id of acknowledged) {
      const response = await reader.call('GetItem', { TableName: 'Burst', Key: { id: { S: id } } });
      expect(response.status).toBe(200);
      if (!JSON.parse(response.body).Item) missing.push(id);
    }
    const described = JSON.parse((await reader.call('DescribeTable', { TableName: 'Burst' })).body);
    reader.close();
    await second.stop();
    expect(missing).toEqual([]);
    expect(described.Table.ItemCount).toBeGreaterThanOrEqual(acknowledged.length);
  });
});
