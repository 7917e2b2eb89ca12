import { DynamoError, type Item } from '@shoal/model';
import { checkKey } from '@shoal/partition';
import { withConsumedCapacity, withItemCollectionMetrics, writeCapacityUnits } from '../capacity.js';
import type { OperationHandler, Response } from '../context.js';
import { checkExpressionParameters } from '../expression-parameters.js';
import { checkAttributeValues, prepareRequestExpressions, returnItemOnConditionFailure, throwUnlessApplied } from '../item-requests.js';
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
  throwUnlessApplied(outcome);
  const response: Response = outcome.attributes ? { Attributes: outcome.attributes } : {};
  withItemCollectionMetrics(request, response, handle.shape.partitionKey, key, outcome.itemCollectionBytes);
  return withConsumedCapacity(request, response, table.TableName, () => writeCapacityUnits(outcome.before, outcome.after));
};
