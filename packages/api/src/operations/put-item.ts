import { DynamoError, ITEM_SIZE_BYTES_MAX, itemSizeBytes, type Item } from '@shoal/model';
import { checkItemKey, extractKey } from '@shoal/partition';
import type { OperationHandler } from '../context.js';
import { checkExpressionParameters } from '../expression-parameters.js';
import { checkAttributeValues, itemWriteResponse, prepareRequestExpressions, returnItemOnConditionFailure } from '../item-requests.js';
import { activeTable } from '../tables.js';

export const putItem: OperationHandler = async (request, context) => {
  checkExpressionParameters(request, ['ConditionExpression'], ['Expected']);
  const item = request.Item as Item;
  checkAttributeValues(item);
  if (request.ReturnValues != null && request.ReturnValues !== 'ALL_OLD' && request.ReturnValues !== 'NONE') {
    throw DynamoError.validation('ReturnValues can only be ALL_OLD or NONE');
  }
  if (itemSizeBytes(item) > ITEM_SIZE_BYTES_MAX) {
    throw DynamoError.validation('Item size has exceeded the maximum allowed size');
  }
  const prepared = prepareRequestExpressions(request);
  const { table, handle } = activeTable(context, request.TableName);
  const keyError = checkItemKey(handle.shape, item);
  if (keyError) throw keyError;

  const outcome = await context.store.execute(handle, extractKey(handle.shape, item), {
    kind: 'put',
    item,
    ...(prepared.condition ? { condition: prepared.condition } : {}),
    returnValues: request.ReturnValues ?? 'NONE',
    returnItemOnConditionFailure: returnItemOnConditionFailure(request),
  });
  return itemWriteResponse(request, outcome, table.TableName, handle.shape.partitionKey, item);
};
