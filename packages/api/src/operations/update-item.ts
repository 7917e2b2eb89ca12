import { updatedPaths, type Update } from '@shoal/expressions';
import { DynamoError, invalidParameter, type Item } from '@shoal/model';
import type { KeyShape } from '@shoal/metadata';
import { checkKey } from '@shoal/partition';
import type { OperationHandler } from '../context.js';
import { checkExpressionParameters } from '../expression-parameters.js';
import { checkAttributeValues, itemWriteResponse, prepareRequestExpressions, returnItemOnConditionFailure } from '../item-requests.js';
import { activeTable } from '../tables.js';

export const updateItem: OperationHandler = async (request, context) => {
  checkExpressionParameters(request, ['UpdateExpression', 'ConditionExpression'], ['AttributeUpdates', 'Expected']);
  const key = request.Key as Item;
  checkAttributeValues(key);
  const prepared = prepareRequestExpressions(request);
  const { table, handle } = activeTable(context, request.TableName);
  const keyError = checkKey(handle.shape, key);
  if (keyError) throw keyError;
  if (prepared.update) checkKeyNotUpdated(handle.shape, prepared.update);

  const outcome = await context.store.execute(handle, key, {
    kind: 'update',
    key,
    ...(prepared.update ? { update: prepared.update } : {}),
    ...(prepared.condition ? { condition: prepared.condition } : {}),
    returnValues: request.ReturnValues ?? 'NONE',
    returnItemOnConditionFailure: returnItemOnConditionFailure(request),
  });
  return itemWriteResponse(request, outcome, table.TableName, handle.shape.partitionKey, key);
};

function checkKeyNotUpdated(shape: KeyShape, update: Update): void {
  const keyNames = [shape.partitionKey.name, ...(shape.sortKey ? [shape.sortKey.name] : [])];
  for (const path of updatedPaths(update)) {
    const name = path[0];
    if (typeof name !== 'string' || !keyNames.includes(name)) continue;
    if (path.length === 1) {
      throw invalidParameter(`Cannot update attribute ${name}. This attribute is part of the key`);
    }
    throw DynamoError.validation(
      `Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: ${name}`,
    );
  }
}
