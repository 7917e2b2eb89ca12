import { DynamoError } from '@shoal/model';

/** Which request member an expression came from: DynamoDB names it in every message. */
export type ExpressionKind =
  | 'ConditionExpression'
  | 'KeyConditionExpression'
  | 'FilterExpression'
  | 'UpdateExpression'
  | 'ProjectionExpression';

/** A syntax or semantic error inside one expression, before its kind is known. */
export class ExpressionError extends Error {}

export function invalidExpression(kind: ExpressionKind, detail: string): DynamoError {
  return DynamoError.validation(`Invalid ${kind}: ${detail}`);
}

/** DynamoDB renders paths in messages as [a, b, [2]]. */
export function describePath(path: readonly (string | number)[]): string {
  return `[${path.map((element) => (typeof element === 'number' ? `[${element}]` : element)).join(', ')}]`;
}
