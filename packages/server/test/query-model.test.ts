import { CreateTableCommand, DescribeTableCommand, PutItemCommand, QueryCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '@shoal/base';
import { compareValues } from '@shoal/expressions';
import type { AttributeValue as ModelValue } from '@shoal/model';
import { startTestServer, testClient, waitFor } from '@shoal/testkit';

/**
 * Query and Scan against a simple in-memory model: random tables of each sort-key type, random
 * items (38-digit numbers, binary keys, unicode strings), random key conditions, directions and
 * page sizes. Every page sequence must equal the model's filtered, sorted list.
 */
const SEED = Number(process.env.SHOAL_MODEL_SEED ?? 424242);
const ITEMS_PER_TABLE = 120;
const QUERIES_PER_TABLE = 120;

let server: Awaited<ReturnType<typeof startTestServer>>;
let client: DynamoDBClient;

beforeAll(async () => {
  server = await startTestServer({ inMemory: true });
  client = testClient(server.url);
});
afterAll(async () => {
  client.destroy();
  await server.close();
});

type SortType = 'S' | 'N' | 'B';

function randomSortValue(random: SeededRandom, type: SortType): AttributeValue {
  if (type === 'N') {
    const digits = 1 + random.int(38);
    let text = String(1 + random.int(9));
    for (let i = 1; i < digits; i++) text += String(random.int(10));
    const exponent = random.int(60) - 30;
    return { N: `${random.chance(0.3) ? '-' : ''}${text}E${exponent}` };
  }
  if (type === 'B') return { B: Uint8Array.from({ length: 1 + random.int(6) }, () => random.int(256)) };
  const alphabet = ['a', 'b', 'z', 'A', '0', '\u0000', 'é', '\uff5e', '\u{1f600}', ' '];
  let text = '';
  for (let i = 0, n = 1 + random.int(6); i < n; i++) text += alphabet[random.int(alphabet.length)];
  return { S: text };
}

/** The wire form of a value (what the server stores), for the model's comparisons. */
function wire(value: AttributeValue): ModelValue {
  if (value.B) return { B: Buffer.from(value.B).toString('base64') };
  return value as ModelValue;
}

function normalise(value: AttributeValue): string {
  if (value.B) return `B:${Buffer.from(value.B).toString('hex')}`;
  if (value.N) return `N:${value.N}`;
  return `S:${value.S}`;
}

describe(`Query and Scan against a model (seed ${SEED})`, () => {
  for (const type of ['N', 'S', 'B'] as const) {
    it(`sort key of type ${type}`, async () => {
      const random = new SeededRandom(SEED + type.charCodeAt(0));
      const TableName = `Model${type}`;
      await client.send(
        new CreateTableCommand({
          TableName,
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: type }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      await waitFor(async () => (await client.send(new DescribeTableCommand({ TableName }))).Table?.TableStatus === 'ACTIVE', `${TableName} to be ACTIVE`);
      const model = new Map<string, { pk: string; sk: AttributeValue }>();
      for (let i = 0; i < ITEMS_PER_TABLE; i++) {
        const pk = `p${random.int(4)}`;
        const sk = randomSortValue(random, type);
        const stored = await client.send(new PutItemCommand({ TableName, Item: { pk: { S: pk }, sk }, ReturnValues: 'NONE' }));
        void stored;
        const canonical = (await client.send(new QueryCommand({ TableName, KeyConditionExpression: 'pk = :p AND sk = :s', ExpressionAttributeValues: { ':p': { S: pk }, ':s': sk }, ConsistentRead: true }))).Items?.[0]?.sk;
        expect(canonical, `item ${i} must be readable by its key`).toBeDefined();
        model.set(`${pk}|${normalise(canonical!)}`, { pk, sk: canonical! });
      }
      const sorted = (pk: string) =>
        [...model.values()].filter((entry) => entry.pk === pk).sort((a, b) => compareValues(wire(a.sk), wire(b.sk)) as number);

      for (let q = 0; q < QUERIES_PER_TABLE; q++) {
        const pk = `p${random.int(4)}`;
        const bound = randomSortValue(random, type);
        const other = randomSortValue(random, type);
        const [low, high] = (compareValues(wire(bound), wire(other)) as number) <= 0 ? [bound, other] : [other, bound];
        const operators = type === 'N' ? ['', '<', '<=', '>', '>=', '=', 'between'] : ['', '<', '<=', '>', '>=', '=', 'between', 'begins'];
        const operator = operators[random.int(operators.length)] as string;
        const values: Record<string, AttributeValue> = { ':p': { S: pk } };
        let condition = 'pk = :p';
        if (operator === 'between') {
          condition += ' AND sk BETWEEN :low AND :high';
          values[':low'] = low;
          values[':high'] = high;
        } else if (operator === 'begins') {
          condition += ' AND begins_with(sk, :b)';
          values[':b'] = type === 'S' ? { S: [...(bound.S ?? '')][0] ?? 'a' } : { B: (bound.B as Uint8Array).subarray(0, 1) };
        } else if (operator) {
          condition += ` AND sk ${operator} :b`;
          values[':b'] = bound;
        }
        const matches = (sk: AttributeValue): boolean => {
          const order = compareValues(wire(sk), wire(values[':b'] ?? bound)) as number;
          switch (operator) {
            case '':
              return true;
            case '<':
              return order < 0;
            case '<=':
              return order <= 0;
            case '>':
              return order > 0;
            case '>=':
              return order >= 0;
            case '=':
              return order === 0;
            case 'between':
              return (compareValues(wire(sk), wire(low)) as number) >= 0 && (compareValues(wire(sk), wire(high)) as number) <= 0;
            default: {
              const prefix = values[':b']!;
              return type === 'S' ? (sk.S as string).startsWith(prefix.S as string) : Buffer.from(sk.B as Uint8Array).subarray(0, 1).equals(Buffer.from(prefix.B as Uint8Array));
            }
          }
        };
        const forward = random.chance(0.5);
        const expected = sorted(pk).filter((entry) => matches(entry.sk)).map((entry) => normalise(entry.sk));
        if (!forward) expected.reverse();
        const limit = random.chance(0.5) ? 1 + random.int(7) : undefined;
        const got: string[] = [];
        let start: Record<string, AttributeValue> | undefined;
        for (let pages = 0; pages < 200; pages++) {
          const page = await client.send(
            new QueryCommand({ TableName, KeyConditionExpression: condition, ExpressionAttributeValues: values, ScanIndexForward: forward, Limit: limit, ExclusiveStartKey: start }),
          );
          got.push(...(page.Items ?? []).map((item) => normalise(item.sk!)));
          start = page.LastEvaluatedKey;
          if (!start) break;
        }
        expect(got, `seed ${SEED} query ${q}: ${condition} forward=${forward} limit=${limit}`).toEqual(expected);
      }

      const scanned: string[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName, Limit: 17, ExclusiveStartKey: start }));
        scanned.push(...(page.Items ?? []).map((item) => `${item.pk!.S}|${normalise(item.sk!)}`));
        start = page.LastEvaluatedKey;
      } while (start);
      expect(scanned.sort()).toEqual([...model.keys()].sort());
    });
  }
});
