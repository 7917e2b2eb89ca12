import type { AttributeValue } from './attribute-value.js';
import { DynamoError, invalidParameter } from './errors.js';
import { NESTING_DEPTH_MAX } from './limits.js';
import { parseNumber } from './number.js';

/**
 * Semantic checks of one attribute value, after the request's JSON shape has been checked:
 * exactly one type set, NULL is true, sets are non-empty and duplicate-free, numbers are within
 * DynamoDB's range, nesting is at most 32 levels. Numbers (also inside NS, M and L) are
 * normalised in place, so that everything stored compares and prints the way DynamoDB's does.
 * Returns the error to report, or undefined.
 */
export function validateAttributeValue(value: AttributeValue, depth = 0): DynamoError | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return DynamoError.validation('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
  }
  const record = value as unknown as Record<string, unknown>;
  let types = 0;
  for (const key in record) {
    // Like DynamoDB's deserialiser: unknown members and nulls are dropped, so that everything
    // downstream sees exactly one type member.
    if (record[key] === undefined || record[key] === null || !TYPE_MEMBERS.has(key)) delete record[key];
    else types++;
  }
  if (types === 0) {
    return DynamoError.validation(
      'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
    );
  }
  if (types > 1) {
    return DynamoError.validation(
      'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
    );
  }
  if ('N' in value) return normaliseNumberAt(record, 'N');
  if ('NULL' in value && value.NULL !== true) {
    return invalidParameter('Null attribute value types must have the value of true');
  }
  if ('SS' in value) return validateStringSet(value.SS);
  if ('NS' in value) return validateNumberSet(value.NS);
  if ('BS' in value) return validateBinarySet(value.BS);
  if ('M' in value || 'L' in value) {
    if (depth + 1 > NESTING_DEPTH_MAX) {
      return DynamoError.validation('Nesting Levels have exceeded supported limits');
    }
    const children = 'M' in value ? Object.values(value.M) : value.L;
    for (const child of children) {
      const error = validateAttributeValue(child, depth + 1);
      if (error) return error;
    }
  }
  return undefined;
}

function normaliseNumberAt(holder: Record<string, unknown>, key: string | number): DynamoError | undefined {
  const text = holder[key] as string;
  if (text === '') return DynamoError.validation('The parameter cannot be converted to a numeric value');
  const parsed = parseNumber(text);
  if (!parsed.ok) {
    if (parsed.message.startsWith('A value provided')) {
      return DynamoError.validation(`The parameter cannot be converted to a numeric value: ${text}`);
    }
    return DynamoError.validation(parsed.message);
  }
  holder[key] = parsed.value;
  return undefined;
}

const TYPE_MEMBERS = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS']);

function hasNullElement(values: unknown[]): boolean {
  return values.some((element) => typeof element !== 'string');
}

function validateStringSet(values: string[]): DynamoError | undefined {
  if (hasNullElement(values)) return invalidParameter('Set attribute values may not contain null elements');
  if (values.length === 0) return invalidParameter('An string set  may not be empty');
  if (new Set(values).size !== values.length) {
    return invalidParameter(`Input collection [${values.join(', ')}] contains duplicates.`);
  }
  return undefined;
}

function validateNumberSet(values: string[]): DynamoError | undefined {
  if (hasNullElement(values)) return invalidParameter('Set attribute values may not contain null elements');
  if (values.length === 0) return invalidParameter('An number set  may not be empty');
  for (let i = 0; i < values.length; i++) {
    const error = normaliseNumberAt(values as unknown as Record<string, unknown>, i);
    if (error) return error;
  }
  if (new Set(values).size !== values.length) {
    return DynamoError.validation('Input collection contains duplicates');
  }
  return undefined;
}

function validateBinarySet(values: string[]): DynamoError | undefined {
  if (hasNullElement(values)) return invalidParameter('Set attribute values may not contain null elements');
  if (values.length === 0) return invalidParameter('Binary sets should not be empty');
  if (new Set(values).size !== values.length) {
    return invalidParameter(`Input collection [${values.join(', ')}]of type BS contains duplicates.`);
  }
  return undefined;
}
