import { evaluateCondition, projectItem, type Condition, type ProjectionPath } from '@shoal/expressions';
import { itemSizeBytes, type Item, type RawJson } from '@shoal/model';
import type { KeyShape } from '@shoal/metadata';
import type { StoredItem } from '@shoal/partition';
import type { PreparedExpressions } from '@shoal/expressions';
import type { Request, Response } from './context.js';

/** DynamoDB stops a Query or Scan page after reading 1 MB of items, before filtering. */
export const PAGE_BYTES_MAX = 1024 * 1024;
const READ_UNIT_BYTES = 4096;

export interface PageOptions {
  limit: number | undefined;
  filter: Condition | undefined;
  projection: ProjectionPath[] | undefined;
  countOnly: boolean;
  /** The key attributes LastEvaluatedKey carries: the table's, and an index's too. */
  keyNames: string[];
  consistent: boolean;
  /** Replaces each evaluated entry with the item to return (an index query fetching from the table). */
  resolve?: (entry: Item) => Promise<Item | undefined>;
}

/** The page options a Query or Scan request asks for. */
export function pageOptionsOf(request: Request, prepared: PreparedExpressions, keyNames: string[]): PageOptions {
  return {
    limit: request.Limit,
    filter: prepared.filter,
    projection: prepared.projection,
    countOnly: request.Select === 'COUNT',
    keyNames,
    consistent: request.ConsistentRead === true,
  };
}

export function keyNamesOf(...shapes: KeyShape[]): string[] {
  const names: string[] = [];
  for (const shape of shapes) {
    for (const name of [shape.partitionKey.name, shape.sortKey?.name]) if (name !== undefined && !names.includes(name)) names.push(name);
  }
  return names;
}

export interface Page {
  /** Returned items: as stored when the page neither filters nor projects them. */
  items: (Item | RawJson)[];
  /** Items that passed the filter (the response's Count, also under Select COUNT). */
  count: number;
  scannedCount: number;
  lastEvaluatedKey: Item | undefined;
  readBytes: number;
}

/**
 * Reads one page: items are evaluated in key order until Limit items were read or 1 MB was
 * read (the filter applies after, so it never extends a page), as DynamoDB pages.
 */
export async function readPage(entries: AsyncIterable<StoredItem>, options: PageOptions): Promise<Page> {
  const items: (Item | RawJson)[] = [];
  let scannedCount = 0;
  let count = 0;
  let readBytes = 0;
  let lastEvaluatedKey: Item | undefined;
  for await (const entry of entries) {
    // An index entry fetching its item from the table is measured and returned as that item.
    const resolved = options.resolve ? ((await options.resolve(entry.item)) ?? entry.item) : undefined;
    scannedCount++;
    readBytes += resolved ? itemSizeBytes(resolved) : entry.size;
    if (!options.filter || evaluateCondition(options.filter, resolved ?? entry.item)) {
      count++;
      if (!options.countOnly) {
        if (options.projection) items.push(projectItem(resolved ?? entry.item, options.projection));
        else items.push(resolved ?? entry.json);
      }
    }
    if ((options.limit !== undefined && scannedCount >= options.limit) || readBytes >= PAGE_BYTES_MAX) {
      lastEvaluatedKey = {};
      const keys = entry.item;
      for (const name of options.keyNames) if (keys[name]) lastEvaluatedKey[name] = keys[name];
      break;
    }
  }
  return { items, count, scannedCount, lastEvaluatedKey, readBytes };
}

export function pageResponse(request: Request, tableName: string, page: Page, options: PageOptions): Response {
  const response: Response = {};
  if (!options.countOnly) response.Items = page.items;
  response.Count = page.count;
  response.ScannedCount = page.scannedCount;
  if (page.lastEvaluatedKey) response.LastEvaluatedKey = page.lastEvaluatedKey;
  const mode = request.ReturnConsumedCapacity;
  if (mode === 'TOTAL' || mode === 'INDEXES') {
    const units = Math.max(1, Math.ceil(page.readBytes / READ_UNIT_BYTES)) * (options.consistent ? 1 : 0.5);
    response.ConsumedCapacity = mode === 'TOTAL' ? { TableName: tableName, CapacityUnits: units } : { TableName: tableName, CapacityUnits: units, Table: { CapacityUnits: units } };
  }
  return response;
}
