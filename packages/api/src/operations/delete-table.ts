import { DynamoError } from '@shoal/model';
import { describe } from '../tables.js';
import type { OperationHandler } from '../context.js';

/**
 * Removes the table from the catalog at once (so it is gone for every later request) and drops
 * its items in the background. Table numbers are never reused, so items a crash leaves behind
 * can never reappear in a new table.
 */
export const deleteTable: OperationHandler = async (request, context) => {
  const table = await context.catalog.exclusive((catalog) => {
    const existing = catalog.get(request.TableName);
    if (!existing) throw DynamoError.tableNotFound(request.TableName);
    if (existing.TableStatus === 'CREATING') {
      throw DynamoError.resourceInUse(`Attempt to change a resource which is still in use: Table is being created: ${existing.TableName}`);
    }
    if (existing.TableStatus === 'UPDATING') {
      throw DynamoError.resourceInUse(`Attempt to change a resource which is still in use: Table is being updated: ${existing.TableName}`);
    }
    if (existing.DeletionProtectionEnabled) {
      throw DynamoError.validation(
        'Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.',
      );
    }
    catalog.remove(existing.TableName);
    return existing;
  });
  const description = await describe(context, { ...table, TableStatus: 'DELETING' });
  context.schedule(async () => {
    await context.store.dropTable(table.tableNumber);
    for (const index of table.indexes ?? []) await context.store.dropIndex(table.tableNumber, index.indexNumber);
  }, 0);
  return { TableDescription: description };
};
