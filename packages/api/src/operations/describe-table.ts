import { describeTable } from '@shoal/metadata';
import type { OperationHandler } from '../context.js';
import { existingTable } from '../tables.js';

export const describeTableOperation: OperationHandler = async (request, context) => {
  const table = existingTable(context, request.TableName);
  return { Table: describeTable(table, context.store.statisticsOf(table.tableNumber)) };
};
