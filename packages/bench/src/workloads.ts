import type { Random } from '@shoal/base';
import type { ScrambledZipfian } from './zipfian.js';

/** YCSB-style records: key `user<n>` and ten 100-byte fields, about 1 KB per item. */
export const TABLE_NAME = 'usertable';
export const FIELD_COUNT = 10;
export const FIELD_BYTES = 100;

export interface WorkloadContext {
  random: Random;
  keys: ScrambledZipfian;
}

export interface Workload {
  name: string;
  description: string;
  next(context: WorkloadContext): [operation: string, body: unknown];
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function randomField(random: Random): string {
  let text = '';
  for (let i = 0; i < FIELD_BYTES; i++) text += ALPHABET[random.int(ALPHABET.length)];
  return text;
}

export function record(index: number, random: Random): Record<string, { S: string }> {
  const item: Record<string, { S: string }> = { key: { S: `user${index}` } };
  for (let f = 0; f < FIELD_COUNT; f++) item[`field${f}`] = { S: randomField(random) };
  return item;
}

const put: Workload = {
  name: 'put',
  description: 'PutItem of a whole 1 KB record (zipfian keys)',
  next: ({ random, keys }) => ['PutItem', { TableName: TABLE_NAME, Item: record(keys.next(), random) }],
};

const get: Workload = {
  name: 'get',
  description: 'GetItem of a record (zipfian keys, eventually consistent)',
  next: ({ keys }) => ['GetItem', { TableName: TABLE_NAME, Key: { key: { S: `user${keys.next()}` } } }],
};

const update: Workload = {
  name: 'update',
  description: 'UpdateItem SET of one 100-byte field (zipfian keys)',
  next: ({ random, keys }) => [
    'UpdateItem',
    {
      TableName: TABLE_NAME,
      Key: { key: { S: `user${keys.next()}` } },
      UpdateExpression: `SET field${random.int(FIELD_COUNT)} = :v`,
      ExpressionAttributeValues: { ':v': { S: randomField(random) } },
    },
  ],
};

const ycsbA: Workload = {
  name: 'a',
  description: 'YCSB A: 50% GetItem, 50% UpdateItem (zipfian keys)',
  next: (context) => (context.random.next() < 0.5 ? get.next(context) : update.next(context)),
};

const ycsbB: Workload = {
  name: 'b',
  description: 'YCSB B: 95% GetItem, 5% UpdateItem (zipfian keys)',
  next: (context) => (context.random.next() < 0.95 ? get.next(context) : update.next(context)),
};

const ycsbC: Workload = {
  name: 'c',
  description: 'YCSB C: 100% GetItem (zipfian keys)',
  next: (context) => get.next(context),
};

/** A composite-key table for range queries: COLLECTION_ITEMS items per partition key. */
export const RANGE_TABLE_NAME = 'usertable_range';
export const COLLECTION_ITEMS = 20;

export function rangeRecord(index: number, random: Random): Record<string, { S: string } | { N: string }> {
  const item: Record<string, { S: string } | { N: string }> = {
    key: { S: `user${Math.floor(index / COLLECTION_ITEMS)}` },
    seq: { N: String(index % COLLECTION_ITEMS) },
  };
  for (let f = 0; f < FIELD_COUNT; f++) item[`field${f}`] = { S: randomField(random) };
  return item;
}

const ycsbE: Workload = {
  name: 'e',
  description: 'YCSB E: Query of up to 10 items from a random point of an item collection',
  next: ({ random, keys }) => [
    'Query',
    {
      TableName: RANGE_TABLE_NAME,
      KeyConditionExpression: '#k = :k AND seq >= :s',
      ExpressionAttributeNames: { '#k': 'key' },
      ExpressionAttributeValues: { ':k': { S: `user${Math.floor(keys.next() / COLLECTION_ITEMS)}` }, ':s': { N: String(random.int(COLLECTION_ITEMS)) } },
      Limit: 10,
    },
  ],
};

const BATCH_SIZE = 25;
const batch: Workload = {
  name: 'batch',
  description: 'BatchWriteItem of 25 whole records (zipfian keys, distinct within a batch)',
  next: ({ random, keys }) => {
    const indexes = new Set<number>();
    while (indexes.size < BATCH_SIZE) indexes.add(keys.next());
    return ['BatchWriteItem', { RequestItems: { [TABLE_NAME]: [...indexes].map((index) => ({ PutRequest: { Item: record(index, random) } })) } }];
  },
};

export const WORKLOADS: Record<string, Workload> = { put, get, update, a: ycsbA, b: ycsbB, c: ycsbC, e: ycsbE, batch };
