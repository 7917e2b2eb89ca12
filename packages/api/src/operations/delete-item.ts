import { DynamoError, type Item } from '@shoal/model';
import { checkKey } from '@shoal/partition';
import type { OperationHandler } from '../context.js';
import { checkExpressionParameters } from '../expression-parameters.js';
import { checkAttributeValues, itemWriteResponse, prepareRequestExpressions, returnItemOnConditionFailure } from '../item-requests.js';
import { activeTable } from '../tables.js';

export const deleteItem: OperationHandler = async (request, context) => {
  checkExpressionParameters(request, ['ConditionExpression'], ['Expected']);
  const key = request.Key as Item;
  checkAttributeValues(key);
  if (request.ReturnValues != null && request.ReturnValues !== 'ALL_OLD' && request.ReturnValues !== 'NONE') {
    throw DynamoError.validation('ReturnValues can only be ALL_OLD or NONE');
  }
  const prepared = prepareRequestExpressions(request);
  const { table, handle } = activeTable(context, request.TableName);
  const keyError = checkKey(handle.shape, key);
  if (keyError) throw keyError;

  const outcome = await context.store.execute(handle, key, {
    kind: 'delete',
    key,
    ...(prepared.condition ? { condition: prepared.condition } : {}),
    returnValues: request.ReturnValues ?? 'NONE',
    returnItemOnConditionFailure: returnItemOnConditionFailure(request),
  });
  return itemWriteResponse(request, outcome, table.TableName, handle.shape.partitionKey, key);
};
