import { DynamoError, EXPRESSION_BYTES_MAX, utf8Length, validateAttributeValue, type AttributeValue } from '@shoal/model';
import type { Condition, KeyCondition, ProjectionPath, Update } from './ast.js';
import { parseCondition } from './condition-parser.js';
import { ExpressionError, invalidExpression, type ExpressionKind } from './errors.js';
import { convertAttributeUpdates, convertExpected, convertFilter } from './legacy.js';
import { TokenStream } from './lexer.js';
import { parseProjection } from './projection.js';
import { ResolveContext } from './resolve-context.js';
import { parseUpdate } from './update-parser.js';

export interface ExpressionParameters {
  ConditionExpression?: string;
  KeyConditionExpression?: string;
  FilterExpression?: string;
  UpdateExpression?: string;
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
  Expected?: Record<string, unknown>;
  ConditionalOperator?: string;
  AttributeUpdates?: Record<string, unknown>;
  AttributesToGet?: string[];
  QueryFilter?: Record<string, unknown>;
  ScanFilter?: Record<string, unknown>;
  KeyConditions?: Record<string, unknown>;
}

export interface PreparedExpressions {
  condition?: Condition;
  update?: Update;
  projection?: ProjectionPath[];
  filter?: Condition;
  keyCondition?: KeyCondition;
}

const NAME_KEY = /^#[0-9a-zA-Z_]+$/;
const VALUE_KEY = /^:[0-9a-zA-Z_]+$/;

/**
 * Parses, resolves and validates every expression of a request, in DynamoDB's order: the
 * placeholder maps, the legacy conditions, then UpdateExpression, ConditionExpression,
 * KeyConditionExpression, FilterExpression and ProjectionExpression, and finally placeholders
 * that no expression used. Throws the DynamoError DynamoDB would return.
 */
export function prepareExpressions(parameters: ExpressionParameters): PreparedExpressions {
  const names = parameters.ExpressionAttributeNames;
  const values = parameters.ExpressionAttributeValues;
  checkPlaceholderMaps(names, values);
  const prepared: PreparedExpressions = {};
  if (parameters.Expected) {
    const condition = convertExpected(parameters.Expected as Parameters<typeof convertExpected>[0], parameters.ConditionalOperator);
    if (condition) prepared.condition = condition;
  }

  const context = new ResolveContext(names, values);
  if (parameters.UpdateExpression != null) {
    prepared.update = parse('UpdateExpression', parameters.UpdateExpression, (stream) => parseUpdate(stream, context));
  }
  if (parameters.ConditionExpression != null) {
    prepared.condition = parse('ConditionExpression', parameters.ConditionExpression, (stream) => parseCondition(stream, context));
  }
  if (parameters.KeyConditionExpression != null) {
    prepared.keyCondition = parse('KeyConditionExpression', parameters.KeyConditionExpression, (stream) => parseCondition(stream, context));
  }
  if (parameters.FilterExpression != null) {
    prepared.filter = parse('FilterExpression', parameters.FilterExpression, (stream) => parseCondition(stream, context));
  }
  if (parameters.ProjectionExpression != null) {
    prepared.projection = parse('ProjectionExpression', parameters.ProjectionExpression, (stream) => parseProjection(stream, context));
  }
  if (context.unusedNames.size > 0) {
    throw DynamoError.validation(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${[...context.unusedNames].join(', ')}}`);
  }
  if (context.unusedValues.size > 0) {
    throw DynamoError.validation(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${[...context.unusedValues].join(', ')}}`);
  }

  if (parameters.AttributeUpdates) {
    prepared.update = convertAttributeUpdates(parameters.AttributeUpdates as Parameters<typeof convertAttributeUpdates>[0]);
  }
  if (parameters.AttributesToGet) prepared.projection = parameters.AttributesToGet.map((name) => [name]);
  const filter = parameters.QueryFilter ?? parameters.ScanFilter;
  if (filter) {
    const condition = convertFilter(filter as Parameters<typeof convertFilter>[0], parameters.ConditionalOperator);
    if (condition) prepared.filter = condition;
  }
  if (parameters.KeyConditions) {
    const condition = convertFilter(parameters.KeyConditions as Parameters<typeof convertFilter>[0], 'AND');
    if (condition) prepared.keyCondition = condition;
  }
  return prepared;
}

function checkPlaceholderMaps(names: Record<string, string> | undefined, values: Record<string, AttributeValue> | undefined): void {
  if (names != null) {
    const keys = Object.keys(names);
    if (keys.length === 0) throw DynamoError.validation('ExpressionAttributeNames must not be empty');
    for (const key of keys) {
      if (!NAME_KEY.test(key)) throw DynamoError.validation(`ExpressionAttributeNames contains invalid key: Syntax error; key: "${key}"`);
    }
  }
  if (values != null) {
    const keys = Object.keys(values);
    if (keys.length === 0) throw DynamoError.validation('ExpressionAttributeValues must not be empty');
    for (const key of keys) {
      if (!VALUE_KEY.test(key)) throw DynamoError.validation(`ExpressionAttributeValues contains invalid key: Syntax error; key: "${key}"`);
    }
    for (const key of keys) {
      const error = validateAttributeValue(values[key] as AttributeValue);
      if (error) throw DynamoError.validation(`ExpressionAttributeValues contains invalid value: ${error.message} for key ${key}`);
    }
  }
}

function parse<T>(kind: ExpressionKind, source: string, parser: (stream: TokenStream) => T): T {
  if (source === '') throw invalidExpression(kind, 'The expression can not be empty;');
  if (utf8Length(source) > EXPRESSION_BYTES_MAX) {
    throw invalidExpression(kind, `Expression size has exceeded the maximum allowed size; expression size: ${utf8Length(source)}`);
  }
  try {
    return parser(TokenStream.of(source));
  } catch (error) {
    if (error instanceof ExpressionError) throw invalidExpression(kind, error.message);
    throw error;
  }
}
