import { DynamoError } from '@shoal/model';
import type { Request } from './context.js';

/**
 * DynamoDB's rules for mixing expression and legacy parameters, per operation: which expression
 * parameters the operation accepts and which legacy ones they replace. Checked before anything
 * else about the expressions, as DynamoDB does.
 */
export function checkExpressionParameters(
  request: Request,
  expressions: readonly string[],
  legacy: readonly string[],
): void {
  const usedExpressions = expressions.filter((name) => request[name] != null);
  if (usedExpressions.length > 0) {
    const usedLegacy = legacy.filter((name) => request[name] != null);
    if (usedLegacy.length > 0) {
      throw DynamoError.validation(
        'Can not use both expression and non-expression parameters in the same request: ' +
          `Non-expression parameters: {${usedLegacy.join(', ')}} Expression parameters: {${usedExpressions.join(', ')}}`,
      );
    }
  }
  if (request.ExpressionAttributeNames != null && usedExpressions.length === 0) {
    throw DynamoError.validation('ExpressionAttributeNames can only be specified when using expressions');
  }
  const valueExpressions = expressions.filter((name) => name !== 'ProjectionExpression');
  if (
    valueExpressions.length > 0 &&
    request.ExpressionAttributeValues != null &&
    valueExpressions.every((name) => request[name] == null)
  ) {
    const verb = valueExpressions.length > 1 ? 'are' : 'is';
    throw DynamoError.validation(
      `ExpressionAttributeValues can only be specified when using expressions: ${valueExpressions.join(' and ')} ${verb} null`,
    );
  }
}
