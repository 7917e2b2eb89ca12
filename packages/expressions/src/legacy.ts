import { DynamoError, invalidParameter, validateAttributeValue, type AttributeValue } from '@shoal/model';
import type { Condition, Operand, Update } from './ast.js';
import { compareValues } from './values.js';

/**
 * The legacy (pre-expression) parameters, converted to the same prepared forms: Expected,
 * QueryFilter, ScanFilter and KeyConditions become conditions; AttributeUpdates becomes an
 * update with the legacy semantics; AttributesToGet becomes a projection.
 */
interface ExpectedAttribute {
  Value?: AttributeValue;
  Exists?: boolean;
  ComparisonOperator?: string;
  AttributeValueList?: AttributeValue[];
}

const ONE_VALUE = new Set(['EQ', 'NE', 'LE', 'LT', 'GE', 'GT', 'CONTAINS', 'NOT_CONTAINS', 'BEGINS_WITH']);
const SCALAR_ONLY = new Set(['LE', 'LT', 'GE', 'GT', 'CONTAINS', 'NOT_CONTAINS', 'IN', 'BETWEEN']);

/** Expected (+ ConditionalOperator): the legacy form of ConditionExpression. */
export function convertExpected(expected: Record<string, ExpectedAttribute>, conditionalOperator: string | undefined): Condition | undefined {
  const conditions: Condition[] = [];
  for (const [name, entry] of Object.entries(expected)) {
    checkExpectedEntry(name, entry);
    if (entry.ComparisonOperator !== undefined) {
      const values = entry.AttributeValueList ?? (entry.Value ? [entry.Value] : []);
      conditions.push(comparisonCondition(name, entry.ComparisonOperator, values));
    } else if (entry.Exists === false) {
      conditions.push({ kind: 'function', name: 'attribute_not_exists', args: [path(name)] });
    } else {
      conditions.push({ kind: 'comparison', comparator: '=', left: path(name), right: value(entry.Value as AttributeValue) });
    }
  }
  return combine(conditions, conditionalOperator);
}

/** QueryFilter, ScanFilter and KeyConditions: ComparisonOperator with AttributeValueList. */
export function convertFilter(filter: Record<string, ExpectedAttribute>, conditionalOperator: string | undefined): Condition | undefined {
  const conditions: Condition[] = [];
  for (const [name, entry] of Object.entries(filter)) {
    const values = entry.AttributeValueList ?? [];
    for (const element of values) throwIfInvalid(validateAttributeValue(element));
    checkOperatorValues(entry.ComparisonOperator as string, values);
    conditions.push(comparisonCondition(name, entry.ComparisonOperator as string, values));
  }
  return combine(conditions, conditionalOperator);
}

function checkExpectedEntry(name: string, entry: ExpectedAttribute): void {
  if ('AttributeValueList' in entry && 'Value' in entry) {
    throw invalidParameter(`Value and AttributeValueList cannot be used together for Attribute: ${name}`);
  }
  if (entry.ComparisonOperator !== undefined) {
    if ('Exists' in entry) throw invalidParameter(`Exists and ComparisonOperator cannot be used together for Attribute: ${name}`);
    const operator = entry.ComparisonOperator;
    if (operator !== 'NULL' && operator !== 'NOT_NULL' && !('AttributeValueList' in entry) && !('Value' in entry)) {
      throw invalidParameter(`Value or AttributeValueList must be used with ComparisonOperator: ${operator} for Attribute: ${name}`);
    }
    const values = entry.AttributeValueList ?? (entry.Value ? [entry.Value] : []);
    for (const element of values) throwIfInvalid(validateAttributeValue(element));
    checkOperatorValues(operator, values);
    return;
  }
  if ('AttributeValueList' in entry) {
    throw invalidParameter(`AttributeValueList can only be used with a ComparisonOperator for Attribute: ${name}`);
  }
  const exists = entry.Exists == null || entry.Exists;
  if (exists && entry.Value == null) {
    throw invalidParameter(`Value must be provided when Exists is ${entry.Exists == null ? 'null' : entry.Exists} for Attribute: ${name}`);
  }
  if (!exists && entry.Value != null) throw invalidParameter(`Value cannot be used when Exists is false for Attribute: ${name}`);
  if (entry.Value) throwIfInvalid(validateAttributeValue(entry.Value));
}

function checkOperatorValues(operator: string, values: AttributeValue[]): void {
  const count = values.length;
  const valid =
    ONE_VALUE.has(operator) ? count === 1 : operator === 'NULL' || operator === 'NOT_NULL' ? count === 0 : operator === 'IN' ? count > 0 : operator === 'BETWEEN' ? count === 2 : false;
  if (!valid) throw invalidParameter(`Invalid number of argument(s) for the ${operator} ComparisonOperator`);
  if (count === 0) return;
  const type = Object.keys(values[0] as AttributeValue)[0];
  if (values.some((element) => Object.keys(element)[0] !== type)) {
    throw invalidParameter('AttributeValues inside AttributeValueList must be of same type');
  }
  const scalar = type === 'S' || type === 'N' || type === 'B';
  if ((SCALAR_ONLY.has(operator) && !scalar) || (operator === 'BEGINS_WITH' && type !== 'S' && type !== 'B')) {
    throw invalidParameter(`ComparisonOperator ${operator} is not valid for ${type} AttributeValue type`);
  }
  if (operator === 'BETWEEN' && (compareValues(values[0] as AttributeValue, values[1] as AttributeValue) ?? 0) > 0) {
    throw DynamoError.validation('The BETWEEN condition was provided a range where the lower bound is greater than the upper bound');
  }
}

function comparisonCondition(name: string, operator: string, values: AttributeValue[]): Condition {
  const attribute = path(name);
  const first = values[0] ? value(values[0]) : attribute;
  switch (operator) {
    case 'EQ':
      return { kind: 'comparison', comparator: '=', left: attribute, right: first };
    case 'NE':
      return { kind: 'comparison', comparator: '<>', left: attribute, right: first };
    case 'LE':
      return { kind: 'comparison', comparator: '<=', left: attribute, right: first };
    case 'LT':
      return { kind: 'comparison', comparator: '<', left: attribute, right: first };
    case 'GE':
      return { kind: 'comparison', comparator: '>=', left: attribute, right: first };
    case 'GT':
      return { kind: 'comparison', comparator: '>', left: attribute, right: first };
    case 'NOT_NULL':
      return { kind: 'function', name: 'attribute_exists', args: [attribute] };
    case 'NULL':
      return { kind: 'function', name: 'attribute_not_exists', args: [attribute] };
    case 'CONTAINS':
      return { kind: 'function', name: 'contains', args: [attribute, first] };
    case 'NOT_CONTAINS':
      return { kind: 'notContains', operand: attribute, value: first };
    case 'BEGINS_WITH':
      return { kind: 'function', name: 'begins_with', args: [attribute, first] };
    case 'IN':
      return { kind: 'in', operand: attribute, list: values.map(value) };
    default:
      return { kind: 'between', operand: attribute, low: first, high: value(values[1] as AttributeValue) };
  }
}

function combine(conditions: Condition[], conditionalOperator: string | undefined): Condition | undefined {
  if (conditions.length === 0) return undefined;
  const kind = conditionalOperator === 'OR' ? 'or' : 'and';
  return conditions.reduce((left, right) => ({ kind, left, right }));
}

function path(name: string): Operand {
  return { kind: 'path', path: [name] };
}

function value(attributeValue: AttributeValue): Operand {
  return { kind: 'value', value: attributeValue };
}

function throwIfInvalid(error: DynamoError | undefined): void {
  if (error) throw error;
}

interface AttributeValueUpdate {
  Action?: string;
  Value?: AttributeValue;
}

const ADDABLE = new Set(['L', 'SS', 'NS', 'BS', 'N']);
const SETS = new Set(['SS', 'NS', 'BS']);

/** AttributeUpdates: PUT, ADD (numbers, sets and lists) and DELETE (attributes or set elements). */
export function convertAttributeUpdates(updates: Record<string, AttributeValueUpdate>): Update {
  const attributeUpdates: NonNullable<Update['attributeUpdates']> = [];
  for (const [name, entry] of Object.entries(updates)) {
    const action = (entry.Action ?? 'PUT') as 'PUT' | 'ADD' | 'DELETE';
    if (entry.Value != null) throwIfInvalid(validateAttributeValue(entry.Value));
    if (entry.Value == null && action !== 'DELETE') {
      throw invalidParameter('Only DELETE action is allowed when no attribute value is specified');
    }
    const type = entry.Value ? (Object.keys(entry.Value)[0] as string) : undefined;
    if (type !== undefined && action === 'DELETE' && !SETS.has(type)) {
      throw invalidParameter(`DELETE action with value is not supported for the type ${type}`);
    }
    if (type !== undefined && action === 'ADD' && !ADDABLE.has(type)) {
      throw invalidParameter(`ADD action is not supported for the type ${type}`);
    }
    attributeUpdates.push({ name, action, ...(entry.Value ? { value: entry.Value } : {}) });
  }
  return { set: [], remove: [], add: [], delete: [], attributeUpdates };
}
