import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, expectDynamoError, startTestServer, testClient } from '@shoal/testkit';

let server: Awaited<ReturnType<typeof startTestServer>>;
let client: DynamoDBClient;
const TableName = 'Events';

beforeAll(async () => {
  server = await startTestServer();
  client = testClient(server.url);
  await createTable(client, TableName, ['device', 'S'], ['ts', 'N']);
  await createTable(client, 'Names', ['group', 'S'], ['name', 'S']);
  const requests = [-5, -1.5, 0, 1, 2, 10, 100].map((at) => ({
    PutRequest: { Item: { device: { S: 'd1' }, ts: { N: String(at) }, tier: { N: String(Math.abs(at) % 3) } } },
  }));
  await client.send(new BatchWriteItemCommand({ RequestItems: { [TableName]: requests } }));
  await client.send(new PutItemCommand({ TableName, Item: { device: { S: 'd2' }, ts: { N: '1' } } }));
  for (const name of ['alpha', 'alphabet', 'alp', 'beta', 'a\u0000z', '\u{1f600}', '\uff5e']) {
    await client.send(new PutItemCommand({ TableName: 'Names', Item: { group: { S: 'g' }, name: { S: name } } }));
  }
});
afterAll(async () => {
  client.destroy();
  await server.close();
});

const ats = (items: Record<string, AttributeValue>[] | undefined) => (items ?? []).map((item) => Number(item.ts?.N));
const names = (items: Record<string, AttributeValue>[] | undefined) => (items ?? []).map((item) => item.name?.S);

describe('Query', () => {
  const run = (expression: string, values: Record<string, AttributeValue>, extra: Record<string, unknown> = {}) =>
    client.send(new QueryCommand({ TableName, KeyConditionExpression: expression, ExpressionAttributeValues: { ':d': { S: 'd1' }, ...values }, ...extra }));

  it('returns an item collection in numeric sort order, both directions', async () => {
    expect(ats((await run('device = :d', {})).Items)).toEqual([-5, -1.5, 0, 1, 2, 10, 100]);
    expect(ats((await run('device = :d', {}, { ScanIndexForward: false })).Items)).toEqual([100, 10, 2, 1, 0, -1.5, -5]);
  });

  it('applies each sort key operator as a range', async () => {
    expect(ats((await run('device = :d AND ts < :v', { ':v': { N: '1' } })).Items)).toEqual([-5, -1.5, 0]);
    expect(ats((await run('device = :d AND ts <= :v', { ':v': { N: '1' } })).Items)).toEqual([-5, -1.5, 0, 1]);
    expect(ats((await run('device = :d AND ts > :v', { ':v': { N: '1' } })).Items)).toEqual([2, 10, 100]);
    expect(ats((await run(':v <= ts AND device = :d', { ':v': { N: '10' } })).Items)).toEqual([10, 100]);
    expect(ats((await run('device = :d AND ts = :v', { ':v': { N: '2' } })).Items)).toEqual([2]);
    expect(ats((await run('device = :d AND ts BETWEEN :a AND :b', { ':a': { N: '-1.5' }, ':b': { N: '2' } })).Items)).toEqual([-1.5, 0, 1, 2]);
  });

  it('orders strings by UTF-8 bytes and matches begins_with exactly', async () => {
    const all = await client.send(new QueryCommand({ TableName: 'Names', KeyConditionExpression: '#g = :g', ExpressionAttributeNames: { '#g': 'group' }, ExpressionAttributeValues: { ':g': { S: 'g' } } }));
    expect(names(all.Items)).toEqual(['a\u0000z', 'alp', 'alpha', 'alphabet', 'beta', '\uff5e', '\u{1f600}']);
    const prefixed = await client.send(
      new QueryCommand({
        TableName: 'Names',
        KeyConditionExpression: '#g = :g AND begins_with(#n, :p)',
        ExpressionAttributeNames: { '#g': 'group', '#n': 'name' },
        ExpressionAttributeValues: { ':g': { S: 'g' }, ':p': { S: 'alp' } },
      }),
    );
    expect(names(prefixed.Items)).toEqual(['alp', 'alpha', 'alphabet']);
  });

  it('pages with Limit and ExclusiveStartKey, each item exactly once, in both directions', async () => {
    for (const forward of [true, false]) {
      const seen: number[] = [];
      let start: Record<string, AttributeValue> | undefined;
      let pages = 0;
      do {
        const page = await run('device = :d', {}, { Limit: 3, ScanIndexForward: forward, ...(start ? { ExclusiveStartKey: start } : {}) });
        seen.push(...ats(page.Items));
        start = page.LastEvaluatedKey;
        pages++;
      } while (start && pages < 10);
      expect(seen).toEqual(forward ? [-5, -1.5, 0, 1, 2, 10, 100] : [100, 10, 2, 1, 0, -1.5, -5]);
      expect(pages).toBe(3);
    }
  });

  it('filters after reading, counts, and projects', async () => {
    const filtered = await run('device = :d', { ':zero': { N: '0' } }, { FilterExpression: '#l = :zero', ExpressionAttributeNames: { '#l': 'tier' }, ProjectionExpression: 'ts' });
    expect(filtered.Items).toEqual([{ ts: { N: '0' } }]);
    expect([filtered.Count, filtered.ScannedCount]).toEqual([1, 7]);
    const counted = await run('device = :d', {}, { Select: 'COUNT' });
    expect([counted.Items, counted.Count]).toEqual([undefined, 7]);
    const limited = await run('device = :d', { ':zero': { N: '0' } }, { Limit: 2, FilterExpression: 'tier = :zero' });
    expect([limited.Count, limited.ScannedCount, limited.LastEvaluatedKey]).toEqual([0, 2, { device: { S: 'd1' }, ts: { N: '-1.5' } }]);
  });

  it('supports legacy KeyConditions and QueryFilter', async () => {
    const result = await client.send(
      new QueryCommand({
        TableName,
        KeyConditions: {
          device: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'd1' }] },
          ts: { ComparisonOperator: 'GE', AttributeValueList: [{ N: '2' }] },
        },
        QueryFilter: { tier: { ComparisonOperator: 'EQ', AttributeValueList: [{ N: '1' }] } },
      }),
    );
    expect(ats(result.Items)).toEqual([10, 100]);
  });

  it('rejects key conditions DynamoDB rejects', async () => {
    await expectDynamoError(run('ts = :v', { ':v': { N: '1' } }, { ExpressionAttributeValues: { ':v': { N: '1' } } }), 'ValidationException', 'Query condition missed key schema element: device');
    await expectDynamoError(run('device = :d OR ts = :v', { ':v': { N: '1' } }), 'ValidationException', 'Invalid operator used in KeyConditionExpression: OR');
    await expectDynamoError(run('device > :d', {}), 'ValidationException', 'Query key condition not supported');
    await expectDynamoError(run('device = :d AND ts = :v', { ':v': { S: 'x' } }), 'ValidationException', 'One or more parameter values were invalid: Condition parameter type does not match schema type');
    await expectDynamoError(run('device = :d', { ':one': { N: '1' } }, { FilterExpression: 'ts = :one' }), 'ValidationException', 'Filter Expression can only contain non-primary key attributes: Primary key attribute: ts');
    await expectDynamoError(
      client.send(new QueryCommand({ TableName })),
      'ValidationException',
      'Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.',
    );
  });
});

describe('Scan', () => {
  it('reads every item once across pages and across parallel segments', async () => {
    const all = await client.send(new ScanCommand({ TableName }));
    expect(all.Count).toBe(8);
    const paged: string[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName, Limit: 3, ...(start ? { ExclusiveStartKey: start } : {}) }));
      paged.push(...(page.Items ?? []).map((item) => `${item.device?.S}/${item.ts?.N}`));
      start = page.LastEvaluatedKey;
    } while (start);
    expect(paged).toEqual((all.Items ?? []).map((item) => `${item.device?.S}/${item.ts?.N}`));
    const segments = await Promise.all([0, 1, 2, 3].map((Segment) => client.send(new ScanCommand({ TableName, Segment, TotalSegments: 4 }))));
    const segmented = segments.flatMap((page) => (page.Items ?? []).map((item) => `${item.device?.S}/${item.ts?.N}`));
    expect(segmented.sort()).toEqual([...paged].sort());
  });

  it('filters with expressions and legacy ScanFilter', async () => {
    const filtered = await client.send(new ScanCommand({ TableName, FilterExpression: 'device = :d', ExpressionAttributeValues: { ':d': { S: 'd2' } } }));
    expect(filtered.Items).toEqual([{ device: { S: 'd2' }, ts: { N: '1' } }]);
    const legacy = await client.send(new ScanCommand({ TableName, ScanFilter: { tier: { ComparisonOperator: 'NULL' } } }));
    expect(legacy.Items).toEqual([{ device: { S: 'd2' }, ts: { N: '1' } }]);
  });

  it('validates segments', async () => {
    await expectDynamoError(
      client.send(new ScanCommand({ TableName, Segment: 4, TotalSegments: 4 })),
      'ValidationException',
      'The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 4 is not less than TotalSegments: 4',
    );
  });
});

describe('batches', () => {
  it('gets several keys over several tables, with projections and missing keys', async () => {
    const result = await client.send(
      new BatchGetItemCommand({
        RequestItems: {
          [TableName]: { Keys: [{ device: { S: 'd1' }, ts: { N: '2' } }, { device: { S: 'd9' }, ts: { N: '1' } }], ProjectionExpression: 'ts' },
          Names: { Keys: [{ group: { S: 'g' }, name: { S: 'beta' } }] },
        },
      }),
    );
    expect(result.Responses).toEqual({ [TableName]: [{ ts: { N: '2' } }], Names: [{ group: { S: 'g' }, name: { S: 'beta' } }] });
    expect(result.UnprocessedKeys).toEqual({});
  });

  it('enforces batch limits and duplicate keys', async () => {
    const events = Array.from({ length: 60 }, (_, i) => ({ device: { S: 'x' }, ts: { N: String(i) } }));
    const people = Array.from({ length: 41 }, (_, i) => ({ group: { S: 'x' }, name: { S: String(i) } }));
    await expectDynamoError(
      client.send(new BatchGetItemCommand({ RequestItems: { [TableName]: { Keys: events }, Names: { Keys: people } } })),
      'ValidationException',
      'Too many items requested for the BatchGetItem call',
    );
    const put = { PutRequest: { Item: { device: { S: 'x' }, ts: { N: '1' } } } };
    await expectDynamoError(client.send(new BatchWriteItemCommand({ RequestItems: { [TableName]: [put, put] } })), 'ValidationException', 'Provided list of item keys contains duplicates');
    const many = Array.from({ length: 26 }, (_, i) => ({ PutRequest: { Item: { device: { S: 'x' }, ts: { N: String(i) } } } }));
    let message = '';
    await client.send(new BatchWriteItemCommand({ RequestItems: { [TableName]: many } })).catch((error: Error) => (message = error.message));
    expect(message).toMatch(
      /^1 validation error detected: Value '.*' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: \[Member must have length less than or equal to 25, Member must have length greater than or equal to 1\]$/,
    );
  });

  it('deletes through BatchWriteItem', async () => {
    await client.send(new BatchWriteItemCommand({ RequestItems: { [TableName]: [{ DeleteRequest: { Key: { device: { S: 'd2' }, ts: { N: '1' } } } }] } }));
    const scan = await client.send(new ScanCommand({ TableName, Select: 'COUNT' }));
    expect(scan.Count).toBe(7);
  });
});
