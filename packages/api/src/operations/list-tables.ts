import { LIST_TABLES_LIMIT_MAX } from '@shoal/model';
import type { OperationHandler, Response } from '../context.js';

export const listTables: OperationHandler = async (request, context) => {
  const limit: number = request.Limit ?? LIST_TABLES_LIMIT_MAX;
  const start: string | undefined = request.ExclusiveStartTableName;
  const names = context.catalog.names().filter((name) => start === undefined || name > start);
  const page = names.slice(0, limit);
  const response: Response = { TableNames: page };
  if (names.length > limit) response.LastEvaluatedTableName = page[page.length - 1];
  return response;
};
