import { projectItem } from '@shoal/expressions';
import { invalidParameter, type Item } from '@shoal/model';
import { checkKey } from '@shoal/partition';
import { readCapacityUnits, withConsumedCapacity } from '../capacity.js';
import type { OperationHandler, Response } from '../context.js';
import { checkExpressionParameters } from '../expression-parameters.js';
import { checkAttributeValues, prepareRequestExpressions } from '../item-requests.js';
import { activeTable } from '../tables.js';

export const getItem: OperationHandler = async (request, context) => {
  checkExpressionParameters(request, ['ProjectionExpression'], ['AttributesToGet']);
  const key = request.Key as Item;
  checkAttributeValues(key);
  const attributesToGet = request.AttributesToGet as string[] | undefined;
  if (attributesToGet) {
    const duplicate = attributesToGet.find((name, i) => attributesToGet.indexOf(name) !== i);
    if (duplicate !== undefined) throw invalidParameter(`Duplicate value in attribute name: ${duplicate}`);
  }
  const prepared = prepareRequestExpressions(request);
  const { table, handle } = activeTable(context, request.TableName);
  const keyError = checkKey(handle.shape, key);
  if (keyError) throw keyError;

  const stored = await context.store.getItem(handle, key, request.ConsistentRead === true);
  const response: Response = {};
  if (stored) response.Item = prepared.projection ? projectItem(stored.item, prepared.projection) : stored.json;
  return withConsumedCapacity(request, response, table.TableName, () => readCapacityUnits(stored?.size ?? 0, request.ConsistentRead === true));
};
