import { DynamoError, invalidParameter, PARTITION_KEY_BYTES_MAX, SORT_KEY_BYTES_MAX, type AttributeValue, type Item } from '@shoal/model';
import type { KeyShape, ScalarAttributeType } from '@shoal/metadata';

/**
 * DynamoDB's checks of primary keys against a table's key schema, with its messages. `Key`
 * parameters (GetItem, UpdateItem, DeleteItem) must hold exactly the key attributes; items
 * (PutItem) must contain them.
 */
export function checkKey(shape: KeyShape, key: Item): DynamoError | undefined {
  const expected = shape.sortKey ? 2 : 1;
  if (Object.keys(key).length !== expected) {
    return DynamoError.validation('The provided key element does not match the schema');
  }
  for (const [element, isPartition] of keyElements(shape)) {
    const value = key[element.name];
    if (!value || !(element.type in value)) {
      return DynamoError.validation('The provided key element does not match the schema');
    }
    const error = checkKeyValue(element.name, element.type, value, isPartition, 'invalid');
    if (error) return error;
  }
  return undefined;
}

export function checkItemKey(shape: KeyShape, item: Item): DynamoError | undefined {
  for (const [element, isPartition] of keyElements(shape)) {
    const value = item[element.name];
    if (!value) return invalidParameter(`Missing the key ${element.name} in the item`);
    if (!(element.type in value)) {
      const actual = Object.keys(value)[0];
      return invalidParameter(
        `Type mismatch for key ${element.name} expected: ${element.type} actual: ${actual}`,
      );
    }
    const error = checkKeyValue(element.name, element.type, value, isPartition, 'notValid');
    if (error) return error;
  }
  return undefined;
}

function* keyElements(shape: KeyShape): Generator<[{ name: string; type: ScalarAttributeType }, boolean]> {
  yield [shape.partitionKey, true];
  if (shape.sortKey) yield [shape.sortKey, false];
}

function checkKeyValue(
  name: string,
  type: ScalarAttributeType,
  value: AttributeValue,
  isPartition: boolean,
  wording: 'invalid' | 'notValid',
): DynamoError | undefined {
  if (type === 'N') return undefined;
  const text = (value as Record<string, string>)[type] as string;
  if (text === '') {
    // DynamoDB words this one differently for items ("are not valid") and keys ("were invalid").
    const prefix = wording === 'invalid' ? 'One or more parameter values were invalid:' : 'One or more parameter values are not valid.';
    const kind = type === 'S' ? 'string' : 'binary';
    return DynamoError.validation(
      `${prefix} The AttributeValue for a key attribute cannot contain an empty ${kind} value. Key: ${name}`,
    );
  }
  const bytes = type === 'S' ? Buffer.byteLength(text, 'utf8') : Buffer.from(text, 'base64').length;
  if (isPartition && bytes > PARTITION_KEY_BYTES_MAX) {
    return invalidParameter(`Size of hashkey has exceeded the maximum size limit of${PARTITION_KEY_BYTES_MAX} bytes`);
  }
  if (!isPartition && bytes > SORT_KEY_BYTES_MAX) {
    return invalidParameter(`Aggregated size of all range keys has exceeded the size limit of ${SORT_KEY_BYTES_MAX} bytes`);
  }
  return undefined;
}
