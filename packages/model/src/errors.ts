import { ShoalError, type Fault } from '@shoal/base';
import type { Item } from './attribute-value.js';

/**
 * DynamoDB's errors. `type` is the short `__type` name clients switch on; `namespace` is the
 * prefix DynamoDB puts before the `#` (shape-level checks come from the Coral framework, the rest
 * from the DynamoDB service). Construct them through the named factories below so that messages
 * stay identical to DynamoDB's wherever they are raised.
 */
export const DYNAMODB_NAMESPACE = 'com.amazonaws.dynamodb.v20120810';
export const CORAL_SERVICE_NAMESPACE = 'com.amazon.coral.service';
export const CORAL_VALIDATE_NAMESPACE = 'com.amazon.coral.validate';

export interface CancellationReason {
  Code: string;
  Message?: string;
  Item?: Item;
}

export class DynamoError extends ShoalError {
  /** Only for ConditionalCheckFailedException with ReturnValuesOnConditionCheckFailure. */
  item: Item | undefined;
  /** Only for TransactionCanceledException. */
  cancellationReasons: CancellationReason[] | undefined;

  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    readonly namespace = DYNAMODB_NAMESPACE,
    fault: Fault = status >= 500 ? 'server' : 'client',
  ) {
    super(type, message, fault);
  }

  get qualifiedType(): string {
    return `${this.namespace}#${this.type}`;
  }

  /** A DynamoDB-semantics validation failure ("One or more parameter values were invalid..."). */
  static validation(message: string): DynamoError {
    return new DynamoError('ValidationException', message);
  }

  /** A shape-level constraint failure, reported by DynamoDB's request framework. */
  static constraintViolations(violations: readonly string[]): DynamoError {
    const count = violations.length;
    const noun = count === 1 ? 'error' : 'errors';
    return new DynamoError(
      'ValidationException',
      `${count} validation ${noun} detected: ${violations.join('; ')}`,
      400,
      CORAL_VALIDATE_NAMESPACE,
    );
  }

  static serialization(message: string): DynamoError {
    return new DynamoError('SerializationException', message, 400, CORAL_SERVICE_NAMESPACE);
  }

  static unknownOperation(): DynamoError {
    return new DynamoError('UnknownOperationException', '', 400, CORAL_SERVICE_NAMESPACE);
  }

  static resourceNotFound(message = 'Requested resource not found'): DynamoError {
    return new DynamoError('ResourceNotFoundException', message);
  }

  static tableNotFound(tableName: string): DynamoError {
    return DynamoError.resourceNotFound(`Requested resource not found: Table: ${tableName} not found`);
  }

  static resourceInUse(message: string): DynamoError {
    return new DynamoError('ResourceInUseException', message);
  }

  static conditionalCheckFailed(item?: Item): DynamoError {
    const error = new DynamoError('ConditionalCheckFailedException', 'The conditional request failed');
    error.item = item;
    return error;
  }

  static limitExceeded(message: string): DynamoError {
    return new DynamoError('LimitExceededException', message);
  }

  static internal(message = 'Internal server error'): DynamoError {
    return new DynamoError('InternalServerError', message, 500);
  }

  /** The outcome is unknown: the write may or may not have been applied. */
  static ambiguous(message = 'Internal server error'): DynamoError {
    return new DynamoError('InternalServerError', message, 500, DYNAMODB_NAMESPACE, 'ambiguous');
  }
}

/** "One or more parameter values were invalid: <detail>", DynamoDB's most common prefix. */
export function invalidParameter(detail: string): DynamoError {
  return DynamoError.validation(`One or more parameter values were invalid: ${detail}`);
}
