import { DynamoError } from '@shoal/model';
import { collectViolations } from './constraints.js';
import { SERVICE_MODEL } from './service-model.js';
import { typeCheck } from './type-check.js';

export const OPERATIONS: ReadonlySet<string> = new Set(Object.keys(SERVICE_MODEL.operations));

export function isKnownOperation(name: string): boolean {
  return OPERATIONS.has(name);
}

/**
 * Validates a request body against the operation's input shape, in DynamoDB's order: JSON types
 * first (SerializationException), then the model's constraints (ValidationException listing up to
 * ten violations). Semantic checks (attribute values, expressions, keys) come after, elsewhere.
 */
export function validateRequest(operation: string, body: unknown): void {
  if (!Object.hasOwn(SERVICE_MODEL.operations, operation)) throw DynamoError.unknownOperation();
  const inputShape = SERVICE_MODEL.operations[operation] as string;
  typeCheck(body, inputShape, false);
  const violations = collectViolations(operation, body as Record<string, unknown>);
  if (violations.length > 0) throw DynamoError.constraintViolations(violations);
}
