import { prepareExpressions, type ExpressionParameters, type PreparedExpressions } from '@shoal/expressions';
import { DynamoError, validateAttributeValue, type Item } from '@shoal/model';
import type { WriteOutcome } from '@shoal/partition';
import { withConsumedCapacity, withItemCollectionMetrics, writeCapacityUnits } from './capacity.js';
import type { Request, Response } from './context.js';

/** Validates (and normalises, for numbers) every attribute value of an Item or Key parameter. */
export function checkAttributeValues(values: Item | undefined): void {
  if (!values) return;
  for (const name in values) {
    const error = validateAttributeValue(values[name]!);
    if (error) throw error;
  }
}

const EXPRESSION_MEMBERS = [
  'ConditionExpression',
  'KeyConditionExpression',
  'FilterExpression',
  'UpdateExpression',
  'ProjectionExpression',
  'ExpressionAttributeNames',
  'ExpressionAttributeValues',
  'Expected',
  'ConditionalOperator',
  'AttributeUpdates',
  'AttributesToGet',
  'QueryFilter',
  'ScanFilter',
  'KeyConditions',
] as const;

/** Parses, resolves and validates the request's expressions (and legacy equivalents). */
export function prepareRequestExpressions(request: Request): PreparedExpressions {
  const parameters: Record<string, unknown> = {};
  for (const member of EXPRESSION_MEMBERS) {
    if (request[member] != null) parameters[member] = request[member];
  }
  return prepareExpressions(parameters as ExpressionParameters);
}

/** Turns a write outcome that is not a success into the error DynamoDB returns. */
export function throwUnlessApplied(outcome: WriteOutcome): asserts outcome is Extract<WriteOutcome, { status: 'applied' }> {
  if (outcome.status === 'conditionFailed') throw DynamoError.conditionalCheckFailed(outcome.item);
  if (outcome.status === 'rejected') throw new DynamoError(outcome.rejection.type, outcome.rejection.message);
}

/**
 * The answer to a single-item write (PutItem, UpdateItem, DeleteItem) that the store executed:
 * its error unless applied, else the attributes asked for, item collection metrics and consumed
 * capacity. `keyed` is an item or key holding the partition key.
 */
export function itemWriteResponse(request: Request, outcome: WriteOutcome, tableName: string, partitionKey: { name: string }, keyed: Item): Response {
  throwUnlessApplied(outcome);
  const response: Response = outcome.attributes ? { Attributes: outcome.attributes } : {};
  withItemCollectionMetrics(request, response, partitionKey, keyed, outcome.itemCollectionBytes);
  return withConsumedCapacity(request, response, tableName, () => writeCapacityUnits(outcome.before, outcome.after));
}

export function returnItemOnConditionFailure(request: Request): boolean {
  return request.ReturnValuesOnConditionCheckFailure === 'ALL_OLD';
}
