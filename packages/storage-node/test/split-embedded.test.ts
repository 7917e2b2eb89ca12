import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { layoutFromJson } from '@shoal/placement';
import { DEFAULT_OPTIONS, startEmbeddedServer, type EmbeddedServerOptions, type RunningServer } from '@shoal/server';
import { RawClient, temporaryDirectory, waitFor } from '@shoal/testkit';

/**
 * `npm start`'s embedded cluster on disk (one shared RocksDB for its three nodes) splits a
 * partition past a test-sized threshold, and after a restart opens the split partitions from
 * its layout file: every item written reads back.
 */
let server: RunningServer | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const partitionsIn = (directory: string) => layoutFromJson(readFileSync(join(directory, 'cluster-layout.json'), 'utf8')).map.partitions.length;

async function scanIds(client: RawClient): Promise<string[]> {
  const ids: string[] = [];
  let start: unknown;
  do {
    const response = await client.call('Scan', { TableName: 'Items', ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) });
    expect(response.status).toBe(200);
    const page = JSON.parse(response.body) as { Items: { id: { S: string } }[]; LastEvaluatedKey?: unknown };
    ids.push(...page.Items.map((item) => item.id.S));
    start = page.LastEvaluatedKey;
  } while (start);
  return ids.sort();
}

describe('splits in the embedded cluster', () => {
  it('splits on disk and reopens the split partitions after a restart', async () => {
    const directory = (dataDir = temporaryDirectory('split-embedded'));
    const options: EmbeddedServerOptions = { ...DEFAULT_OPTIONS, host: '127.0.0.1', port: 0, dataDir: directory, nodes: 3, partitions: 1, split: { maxBytes: 30_000, maxWritesPerSecond: 0, intervalMs: 100 } };
    delete options.grpcPort;
    server = await startEmbeddedServer(options);
    let client = new RawClient(`http://127.0.0.1:${server.port}`);
    const written: string[] = [];
    try {
      const created = await client.call('CreateTable', { TableName: 'Items', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' });
      expect(created.status).toBe(200);
      await waitFor(async () => JSON.parse((await client.call('DescribeTable', { TableName: 'Items' })).body).Table?.TableStatus === 'ACTIVE', 'the table to be ACTIVE');
      const write = async (id: string) => {
        const response = await client.call('PutItem', { TableName: 'Items', Item: { id: { S: id }, pad: { S: 'x'.repeat(300) } } });
        expect(response.status).toBe(200);
        written.push(id);
      };
      await waitFor(async () => {
        await Promise.all(Array.from({ length: 8 }, (_, i) => write(`item-${written.length + i}`)));
        return partitionsIn(directory) >= 2;
      }, 'a split', 60_000);
      for (let i = 0; i < 40; i++) await write(`after-${i}`);
      expect(await scanIds(client)).toEqual([...written].sort());
    } finally {
      client.close();
    }
    expect(existsSync(join(directory, 'nodes'))).toBe(true);
    expect(existsSync(join(directory, 'node-1'))).toBe(false);

    await server.close();
    server = await startEmbeddedServer(options);
    client = new RawClient(`http://127.0.0.1:${server.port}`);
    try {
      console.log(`embedded split: ${partitionsIn(directory)} partitions, ${written.length} items read back after a restart`);
      expect(await scanIds(client)).toEqual([...written].sort());
    } finally {
      client.close();
    }
  }, 120_000);
});
