import { itemSizeBytes, type Item } from '@shoal/model';
import type { Request, Response } from './context.js';

/** DynamoDB's capacity units: writes per 1 KB, strongly consistent reads per 4 KB (half for eventual). */
const WRITE_UNIT_BYTES = 1024;
const READ_UNIT_BYTES = 4096;

export function writeCapacityUnits(before: Item | undefined, after: Item | undefined): number {
  const size = Math.max(before ? itemSizeBytes(before) : 0, after ? itemSizeBytes(after) : 0);
  return Math.max(1, Math.ceil(size / WRITE_UNIT_BYTES));
}

export function readCapacityUnits(itemBytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(itemBytes / READ_UNIT_BYTES));
  return consistent ? units : units / 2;
}

/** Adds ConsumedCapacity to a response when the request asked for it (`units` is only measured then). */
export function withConsumedCapacity(request: Request, response: Response, tableName: string, units: () => number): Response {
  const mode = request.ReturnConsumedCapacity;
  if (mode === 'TOTAL') response.ConsumedCapacity = { TableName: tableName, CapacityUnits: units() };
  if (mode === 'INDEXES') {
    const measured = units();
    response.ConsumedCapacity = { TableName: tableName, CapacityUnits: measured, Table: { CapacityUnits: measured } };
  }
  return response;
}

const BYTES_PER_GB = 1024 * 1024 * 1024;

/** Adds ItemCollectionMetrics (tables with local indexes) when the request asked for SIZE. */
export function withItemCollectionMetrics(request: Request, response: Response, partitionKey: { name: string }, item: Item | undefined, collectionBytes: number | undefined): Response {
  if (request.ReturnItemCollectionMetrics !== 'SIZE' || collectionBytes === undefined || !item) return response;
  const gigabytes = Math.floor(collectionBytes / BYTES_PER_GB);
  const key = item[partitionKey.name];
  if (key) response.ItemCollectionMetrics = { ItemCollectionKey: { [partitionKey.name]: key }, SizeEstimateRangeGB: [gigabytes, gigabytes + 1] };
  return response;
}
