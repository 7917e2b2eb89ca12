import { keyShapeOf } from '@shoal/metadata';
import { extractKey, tableKeyRange, type TableHandle } from '@shoal/partition';
import type { ApiContext } from './context.js';
import { indexHandles } from './index-definitions.js';

/**
 * Background work on a live table's global indexes.
 *
 * Backfill phases: (1) the index is CREATING, so every write already maintains it; (2) walk the
 * table and re-index each item through the partition store, which orders the step with the
 * item's writes, so a stale entry can never overwrite a newer one; (3) mark it ACTIVE.
 */
const BACKFILL_CONCURRENCY = 64;

export async function backfillIndex(context: ApiContext, tableName: string, indexNumber: number): Promise<void> {
  const table = context.catalog.get(tableName);
  const index = table?.indexes?.find((candidate) => candidate.indexNumber === indexNumber);
  if (!table || !index || index.IndexStatus !== 'CREATING') return;
  const handle: TableHandle = { tableNumber: table.tableNumber, shape: keyShapeOf(table), indexes: indexHandles(table) };
  const indexHandle = handle.indexes!.find((candidate) => candidate.indexNumber === indexNumber)!;
  const inFlight = new Set<Promise<void>>();
  for await (const [, stored] of context.store.scan(tableKeyRange(table.tableNumber))) {
    const step = context.store.reindex(handle, extractKey(handle.shape, stored.item), indexHandle).finally(() => inFlight.delete(step));
    inFlight.add(step);
    if (inFlight.size >= BACKFILL_CONCURRENCY) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await context.catalog.exclusive((catalog) => {
    const current = catalog.get(tableName);
    if (!current || current.tableNumber !== table.tableNumber) return;
    catalog.put({
      ...current,
      indexes: (current.indexes ?? []).map((candidate) => {
        if (candidate.indexNumber !== indexNumber || candidate.IndexStatus !== 'CREATING') return candidate;
        const { Backfilling: _, ...rest } = candidate;
        return { ...rest, IndexStatus: 'ACTIVE' as const };
      }),
    });
  });
}

/** Removes a DELETING index's entries, then the index from the table's definition. */
export async function dropIndex(context: ApiContext, tableName: string, indexNumber: number): Promise<void> {
  const table = context.catalog.get(tableName);
  if (!table) return;
  await context.store.dropIndex(table.tableNumber, indexNumber);
  await context.catalog.exclusive((catalog) => {
    const current = catalog.get(tableName);
    if (!current || current.tableNumber !== table.tableNumber) return;
    catalog.put({ ...current, indexes: (current.indexes ?? []).filter((candidate) => candidate.indexNumber !== indexNumber) });
  });
}
