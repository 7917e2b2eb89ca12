import { DynamoError, ITEM_SIZE_BYTES_MAX, itemSizeBytes, type Item } from '@shoal/model';
import { checkItemKey, extractKey } from '@shoal/partition';
import { withConsumedCapacity, withItemCollectionMetrics, writeCapacityUnits } from '../capacity.js';
import type { OperationHandler, Response } from '../context.js';
import { checkExpressionParameters } from '../expression-parameters.js';
import { checkAttributeValues, prepareRequestExpressions, returnItemOnConditionFailure, throwUnlessApplied } from '../item-requests.js';
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
  throwUnlessApplied(outcome);
  const response: Response = outcome.attributes ? { Attributes: outcome.attributes } : {};
  withItemCollectionMetrics(request, response, handle.shape.partitionKey, item, outcome.itemCollectionBytes);
  return withConsumedCapacity(request, response, table.TableName, () => writeCapacityUnits(outcome.before, outcome.after));
};
