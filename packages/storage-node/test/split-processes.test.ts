import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { layoutFromJson } from '@shoal/placement';
import { RawClient, spawnClusterProcesses, temporaryDirectory, waitFor, WriteLedger, type ServerProcess } from '@shoal/testkit';

/**
 * Splits on a multi-process cluster, through the DynamoDB API: the gateway's split controller
 * (a 40 KB test threshold) splits the one partition of a fresh cluster while writers write and
 * readers page through Query results on the table and on a global index. Every read answers
 * 200, in order, without duplicates; afterwards a Scan finds every acknowledged item once and the
 * index holds one entry per item, and after a kill -9 of every process and a restart as well.
 */
let cluster: ServerProcess | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await cluster?.stop('SIGTERM');
  cluster = undefined;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

type Row = { id: { S: string }; n: { N: string }; g: { S: string } };
const COLLECTIONS_PER_WRITER = 6;
const GROUPS = 3;
const rowId = (row: Row) => `${row.id.S}#${row.n.N}`;

/** Every page of a Query or Scan (ConsistentRead unless it reads an index); each page must answer 200. */
async function readAll(client: RawClient, operation: 'Query' | 'Scan', request: Record<string, unknown>): Promise<Row[]> {
  const rows: Row[] = [];
  let start: unknown;
  do {
    const response = await client.call(operation, { ...request, ...(start ? { ExclusiveStartKey: start } : {}) });
    expect(`${response.status} ${response.status === 200 ? '' : response.body}`).toBe('200 ');
    const page = JSON.parse(response.body) as { Items: Row[]; LastEvaluatedKey?: unknown };
    rows.push(...page.Items);
    start = page.LastEvaluatedKey;
  } while (start);
  return rows;
}

function partitionsOf(directory: string): number {
  return layoutFromJson(readFileSync(join(directory, 'cluster-layout.json'), 'utf8')).map.partitions.length;
}

describe('splitting partitions of a multi-process cluster', () => {
  it('splits under load while Queries on the table and on a global index keep answering in order', async () => {
    const directory = (dataDir = temporaryDirectory('split'));
    cluster = await spawnClusterProcesses(directory, ['--nodes', '3', '--partitions', '1', '--split-bytes', '40000', '--split-interval-ms', '200']);
    const client = new RawClient(cluster.url);
    try {
      const created = await client.call('CreateTable', {
        TableName: 'Events',
        AttributeDefinitions: [
          { AttributeName: 'id', AttributeType: 'S' },
          { AttributeName: 'n', AttributeType: 'N' },
          { AttributeName: 'g', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'id', KeyType: 'HASH' },
          { AttributeName: 'n', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byGroup',
            KeySchema: [
              { AttributeName: 'g', KeyType: 'HASH' },
              { AttributeName: 'n', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      });
      expect(created.status).toBe(200);
      await waitFor(async () => JSON.parse((await client.call('DescribeTable', { TableName: 'Events' })).body).Table?.TableStatus === 'ACTIVE', 'the table to be ACTIVE');

      const ledger = new WriteLedger();
      let stop = false;
      const writer = async (w: number) => {
        for (let n = 0; !stop; n++) {
          const row: Row = { id: { S: `c${w}-${n % COLLECTIONS_PER_WRITER}` }, n: { N: String(n) }, g: { S: `g${n % GROUPS}` } };
          ledger.attempt(rowId(row));
          const response = await client.call('PutItem', { TableName: 'Events', Item: { ...row, pad: { S: 'x'.repeat(200) } } });
          if (response.status !== 200) {
            expect(`${response.status} ${response.body}`).toMatch(/^500 /); // outcome unknown
            continue;
          }
          ledger.acknowledge(row.id.S, rowId(row));
        }
      };
      let queries = 0;
      const queryReader = async () => {
        for (let round = 0; !stop; round++) {
          const collections = ledger.collections().sort();
          if (collections.length === 0) {
            await new Promise((resolve) => setTimeout(resolve, 5));
            continue;
          }
          const id = collections[round % collections.length]!;
          const before = ledger.acknowledgedIn(id);
          const rows = await readAll(client, 'Query', { TableName: 'Events', KeyConditionExpression: 'id = :id', ExpressionAttributeValues: { ':id': { S: id } }, ConsistentRead: true, Limit: 7 });
          const numbers = rows.map((row) => Number(row.n.N));
          expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
          expect(new Set(numbers).size).toBe(numbers.length);
          const seen = new Set(rows.map(rowId));
          expect(before.filter((key) => !seen.has(key))).toEqual([]);
          queries++;
        }
      };
      let indexQueries = 0;
      const indexReader = async () => {
        for (let round = 0; !stop; round++) {
          const rows = await readAll(client, 'Query', { TableName: 'Events', IndexName: 'byGroup', KeyConditionExpression: 'g = :g', ExpressionAttributeValues: { ':g': { S: `g${round % GROUPS}` } }, Limit: 25 });
          const numbers = rows.map((row) => Number(row.n.N));
          expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
          expect(new Set(rows.map(rowId)).size).toBe(rows.length);
          indexQueries++;
        }
      };
      const writers = Array.from({ length: 6 }, (_, w) => writer(w));
      const readers = [queryReader(), indexReader()];
      await waitFor(() => partitionsOf(directory) >= 3, 'two splits', 120_000);
      const atSplits = ledger.acknowledgedCount;
      await waitFor(() => ledger.acknowledgedCount >= atSplits + 100, 'writes to go on after the splits', 60_000);
      stop = true;
      await Promise.all([...writers, ...readers]);
      console.log(`multi-process splits: ${partitionsOf(directory)} partitions; ${ledger.acknowledgedCount} writes acknowledged, ${queries} paged Queries and ${indexQueries} index Queries, every page answered 200`);
      expect(queries).toBeGreaterThan(0);
      expect(indexQueries).toBeGreaterThan(0);

      const rows = await readAll(client, 'Scan', { TableName: 'Events', ConsistentRead: true });
      const stored = new Set(rows.map(rowId));
      expect(stored.size).toBe(rows.length);
      expect(ledger.lostFrom(stored)).toEqual([]);
      expect(ledger.inventedIn(stored)).toEqual([]);
      // The index is eventually consistent: it converges to one entry per item.
      let indexed: Row[] = [];
      await waitFor(async () => {
        indexed = await readAll(client, 'Scan', { TableName: 'Events', IndexName: 'byGroup' });
        return indexed.length === rows.length;
      }, 'the index to hold one entry per item', 30_000);
      expect(indexed.map(rowId).sort()).toEqual([...stored].sort());

      // Killed and restarted, the nodes open the split partitions from the published map.
      client.close();
      await cluster.stop('SIGKILL');
      cluster = await spawnClusterProcesses(directory, ['--nodes', '3', '--split-bytes', '40000', '--split-interval-ms', '200']);
      const restarted = new RawClient(cluster.url);
      try {
        const again = await readAll(restarted, 'Scan', { TableName: 'Events', ConsistentRead: true });
        expect(again.map(rowId).sort()).toEqual([...stored].sort());
      } finally {
        restarted.close();
      }
    } finally {
      client.close();
    }
  }, 240_000);
});
