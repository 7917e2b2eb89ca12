import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '@shoal/base';
import { RawClient, SIGNED_HEADERS, startTestServer } from '@shoal/testkit';

/**
 * Thousands of random and mutated requests: malformed JSON, wrong types, huge and deep values,
 * broken expressions. Every answer must be a DynamoDB-shaped answer below 500; the server must
 * stay up. The seed is printed on failure and replays the same requests.
 */
const SEED = Number(process.env.SHOAL_FUZZ_SEED ?? 20261125);
const REQUESTS = 5000;

let server: Awaited<ReturnType<typeof startTestServer>>;
let client: RawClient;

const key = { pk: { S: 'a' }, sk: { N: '1' } };
const templates: Array<[string, Record<string, unknown>]> = [
  ['PutItem', { TableName: 'Fuzz', Item: { ...key, s: { S: 'x' }, l: { L: [{ N: '1' }] }, m: { M: { a: { SS: ['x'] } } } }, ConditionExpression: 'attribute_not_exists(#p) OR s = :s', ExpressionAttributeNames: { '#p': 'pk' }, ExpressionAttributeValues: { ':s': { S: 'x' } }, ReturnValues: 'ALL_OLD' }],
  ['GetItem', { TableName: 'Fuzz', Key: key, ProjectionExpression: 'l[0], m.a, #s', ExpressionAttributeNames: { '#s': 's' }, ConsistentRead: true }],
  ['UpdateItem', { TableName: 'Fuzz', Key: key, UpdateExpression: 'SET n = if_not_exists(n, :z) + :one, l = list_append(l, :l) REMOVE m.b ADD c :one DELETE m.a :set', ConditionExpression: 'size(l) < :ten', ExpressionAttributeValues: { ':z': { N: '0' }, ':one': { N: '1' }, ':l': { L: [{ S: 'y' }] }, ':ten': { N: '10' }, ':set': { SS: ['x'] } }, ReturnValues: 'UPDATED_NEW' }],
  ['DeleteItem', { TableName: 'Fuzz', Key: key, Expected: { s: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [{ S: 'x' }] } }, ReturnValues: 'ALL_OLD' }],
  ['CreateTable', { TableName: 'Fuzz2', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } }],
  ['DescribeTable', { TableName: 'Fuzz' }],
  ['ListTables', { Limit: 3, ExclusiveStartTableName: 'A' }],
  ['UpdateTable', { TableName: 'Fuzz', BillingMode: 'PAY_PER_REQUEST' }],
  ['TagResource', { ResourceArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/Fuzz', Tags: [{ Key: 'k', Value: 'v' }] }],
  ['Query', { TableName: 'Fuzz', KeyConditionExpression: 'pk = :p AND sk BETWEEN :a AND :b', FilterExpression: 'attribute_exists(s)', ExpressionAttributeValues: { ':p': { S: 'a' }, ':a': { N: '0' }, ':b': { N: '9' } }, Limit: 5, ScanIndexForward: false, ExclusiveStartKey: key }],
  ['Scan', { TableName: 'Fuzz', Segment: 1, TotalSegments: 3, Limit: 4, FilterExpression: 'size(l) > :z', ExpressionAttributeValues: { ':z': { N: '0' } } }],
  ['BatchGetItem', { RequestItems: { Fuzz: { Keys: [key, { pk: { S: 'b' }, sk: { N: '2' } }], ProjectionExpression: 's' } } }],
  ['BatchWriteItem', { RequestItems: { Fuzz: [{ PutRequest: { Item: { ...key, s: { S: 'y' } } } }, { DeleteRequest: { Key: { pk: { S: 'b' }, sk: { N: '2' } } } }] } }],
  ['UpdateTimeToLive', { TableName: 'Fuzz', TimeToLiveSpecification: { Enabled: true, AttributeName: 'ttl' } }],
  // A table with a local and a global index: writes maintain both, Queries read either.
  ['PutItem', { TableName: 'FuzzIndexed', Item: { ...key, s: { S: 'x' }, n: { N: '5' } }, ReturnItemCollectionMetrics: 'SIZE' }],
  ['UpdateItem', { TableName: 'FuzzIndexed', Key: key, UpdateExpression: 'SET s = :s, n = n + :one REMOVE t', ExpressionAttributeValues: { ':s': { S: 'y' }, ':one': { N: '1' } }, ReturnItemCollectionMetrics: 'SIZE' }],
  ['DeleteItem', { TableName: 'FuzzIndexed', Key: key, ReturnItemCollectionMetrics: 'SIZE' }],
  ['Query', { TableName: 'FuzzIndexed', IndexName: 'byS', KeyConditionExpression: 'pk = :p AND begins_with(s, :s)', ExpressionAttributeValues: { ':p': { S: 'a' }, ':s': { S: 'x' } }, Select: 'ALL_PROJECTED_ATTRIBUTES' }],
  ['Query', { TableName: 'FuzzIndexed', IndexName: 'byN', KeyConditionExpression: 'n = :n', ExpressionAttributeValues: { ':n': { N: '5' } }, Limit: 2 }],
];

const EXPRESSION_TOKENS = ['a', '#p', ':s', '(', ')', '.', '[', ']', '0', '1', ',', '=', '<>', '<', '>=', 'AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'SET', 'REMOVE', 'ADD', 'DELETE', '+', '-', 'size', 'attribute_exists', 'begins_with', 'contains', 'list_append', 'if_not_exists', 'attribute_type', '"', '\u0000', '😀', ' '];

function randomValue(random: SeededRandom, depth: number): unknown {
  switch (random.int(depth > 3 ? 6 : 9)) {
    case 0: return null;
    case 1: return random.chance(0.5);
    case 2: return random.int(2 ** 31) * (random.chance(0.5) ? -1 : 1) + (random.chance(0.2) ? 0.5 : 0);
    case 3: return randomString(random);
    case 4: return '';
    case 5: return { [['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS', 'X'][random.int(11)]!]: randomValue(random, depth + 1) };
    case 6: return Array.from({ length: random.int(4) }, () => randomValue(random, depth + 1));
    case 7: return Object.fromEntries(Array.from({ length: random.int(4) }, () => [randomString(random), randomValue(random, depth + 1)]));
    default: return deepValue(random.int(40));
  }
}

function randomString(random: SeededRandom): string {
  if (random.chance(0.05)) return 'x'.repeat(random.int(500_000));
  if (random.chance(0.3)) return Array.from({ length: 1 + random.int(8) }, () => EXPRESSION_TOKENS[random.int(EXPRESSION_TOKENS.length)]).join(random.chance(0.5) ? ' ' : '');
  return Array.from({ length: random.int(12) }, () => String.fromCharCode(random.int(0x3000))).join('');
}

function deepValue(depth: number): unknown {
  let value: unknown = { S: 'leaf' };
  for (let i = 0; i < depth; i++) value = i % 2 ? { M: { d: value } } : { L: [value] };
  return value;
}

function mutate(random: SeededRandom, value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return random.chance(0.3) ? randomValue(random, depth) : value;
  if (random.chance(0.15)) return randomValue(random, depth);
  if (Array.isArray(value)) return value.map((element) => mutate(random, element, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(value)) {
    if (random.chance(0.1)) continue;
    copy[name] = mutate(random, member, depth + 1);
  }
  if (random.chance(0.1)) copy[randomString(random)] = randomValue(random, depth + 1);
  return copy;
}

beforeAll(async () => {
  server = await startTestServer();
  client = new RawClient(server.url);
  await client.call('CreateTable', {
    TableName: 'Fuzz',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  await client.call('CreateTable', {
    TableName: 'FuzzIndexed',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }, { AttributeName: 's', AttributeType: 'S' }, { AttributeName: 'n', AttributeType: 'N' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    LocalSecondaryIndexes: [{ IndexName: 'byS', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 's', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' } }],
    GlobalSecondaryIndexes: [{ IndexName: 'byN', KeySchema: [{ AttributeName: 'n', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
    BillingMode: 'PAY_PER_REQUEST',
  });
});
afterAll(async () => {
  client.close();
  await server.close();
});

describe(`fuzzing the gateway (seed ${SEED})`, () => {
  it('answers every request with a DynamoDB response below 500', async () => {
    const random = new SeededRandom(SEED);
    const failures: string[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const [operation, template] = templates[random.int(templates.length)]!;
      let body: string = JSON.stringify(mutate(random, template));
      let target = `DynamoDB_20120810.${operation}`;
      const headers: Record<string, string> = { ...SIGNED_HEADERS };
      const corruption = random.int(20);
      if (corruption === 0) body = body.slice(0, random.int(body.length));
      if (corruption === 1) body = body.replace(/[{}[\]",:]/, '');
      if (corruption === 2) target = `DynamoDB_20120810.${randomString(random).replace(/[^\x20-\x7e]/g, '').slice(0, 64)}`;
      if (corruption === 3) body = JSON.stringify(randomValue(random, 0));
      if (corruption === 4) headers['Content-Type'] = 'text/plain';
      if (corruption === 5) delete (headers as Record<string, string | undefined>).Authorization;
      const response = await client.send(body, { ...headers, 'X-Amz-Target': target });
      const parsed = response.status === 404 || response.body === '' ? undefined : (JSON.parse(response.body) as Record<string, unknown>);
      const wellFormed = response.status === 200 || response.status === 404 || (response.status === 400 && typeof parsed?.__type === 'string') || response.status === 413;
      if (!wellFormed) failures.push(`#${i} ${operation} ${response.status} ${response.body.slice(0, 300)} <- ${body.slice(0, 300)}`);
    }
    expect(failures, `seed ${SEED}`).toEqual([]);
    const health = await client.send('', {}, 'GET');
    expect(health.status).toBe(200);
  });
});
