import type { OperationHandler } from '../context.js';
import { describe, existingTable } from '../tables.js';

export const describeTableOperation: OperationHandler = async (request, context) => {
  return { Table: await describe(context, existingTable(context, request.TableName)) };
};
