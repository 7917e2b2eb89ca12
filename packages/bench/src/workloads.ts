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

export const WORKLOADS: Record<string, Workload> = { put, get, update, a: ycsbA };
