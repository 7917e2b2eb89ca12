import { DynamoError } from '@shoal/model';
import { describeTable, keyShapeOf, type Catalog, type TableDefinition } from '@shoal/metadata';
import type { TableHandle } from '@shoal/partition';
import type { ApiContext } from './context.js';
import { indexHandles } from './index-definitions.js';

/** Handles per definition: definitions are immutable (a change stores a new object). */
const handles = new WeakMap<TableDefinition, TableHandle>();

/** The table an item operation addresses; DynamoDB hides tables that are not yet (or no longer) usable. */
export function activeTable(context: ApiContext, name: string): { table: TableDefinition; handle: TableHandle } {
  const table = context.catalog.get(name);
  if (!table || table.TableStatus === 'CREATING' || table.TableStatus === 'DELETING') {
    throw DynamoError.resourceNotFound();
  }
  return { table, handle: tableHandleOf(table) };
}

/** What item storage needs of a table: its number, key shape and indexes (cached per definition). */
export function tableHandleOf(table: TableDefinition): TableHandle {
  let handle = handles.get(table);
  if (!handle) {
    handle = { tableNumber: table.tableNumber, shape: keyShapeOf(table), indexes: indexHandles(table) };
    handles.set(table, handle);
  }
  return handle;
}

/** The current handle of the table with this number, for background work (undefined once it is dropped). */
export function tableHandleByNumber(context: ApiContext, tableNumber: number): TableHandle | undefined {
  return tableHandleIn(context.catalog, tableNumber);
}

/** The handle of the table with this number in a catalog, if it has one. */
export function tableHandleIn(catalog: Catalog, tableNumber: number): TableHandle | undefined {
  for (const name of catalog.names()) {
    const table = catalog.get(name);
    if (table?.tableNumber === tableNumber) return tableHandleOf(table);
  }
  return undefined;
}

/** The table a control-plane operation addresses, in any status. */
export function existingTable(context: ApiContext, name: string): TableDefinition {
  const table = context.catalog.get(name);
  if (!table) throw DynamoError.tableNotFound(name);
  return table;
}

/** DescribeTable's view of a table, with its statistics and its indexes'. */
export async function describe(context: ApiContext, table: TableDefinition): Promise<Record<string, unknown>> {
  const indexes = table.indexes ?? [];
  const [stats, ...indexStats] = await Promise.all([
    context.store.statisticsOf(table.tableNumber),
    ...indexes.map((index) => context.store.indexStatisticsOf(table.tableNumber, index.indexNumber)),
  ]);
  return describeTable(table, stats, (index) => indexStats[indexes.indexOf(index)] ?? { itemCount: 0, sizeBytes: 0 });
}

export function tableArn(context: ApiContext, name: string): string {
  return `arn:aws:dynamodb:${context.region}:${context.accountId}:table/${name}`;
}

export function nowSeconds(context: ApiContext): number {
  return context.clock.nowMs() / 1000;
}

/**
 * Moves a table from a transitional status to ACTIVE after the configured delay, once the store
 * can serve it (in a cluster: every partition has a leader).
 */
export function scheduleActivation(context: ApiContext, name: string, from: TableDefinition['TableStatus']): void {
  context.schedule(async () => {
    await context.store.serving?.();
    await context.catalog.exclusive((catalog) => {
      const table = catalog.get(name);
      if (table && table.TableStatus === from) catalog.put({ ...table, TableStatus: 'ACTIVE' });
    });
  }, context.tableActivationDelayMs);
}
