import { DynamoError } from '@shoal/model';
import { SERVICE_MODEL, type Shape } from './service-model.js';

/**
 * The first pass over a request, as DynamoDB's request framework does it: JSON types against the
 * shapes. A mismatch is a SerializationException with the framework's (Java-flavoured) message.
 * Members the model does not know are ignored, as DynamoDB ignores them.
 */
const JAVA_TYPES: Record<string, string> = { integer: 'Integer', long: 'Long', double: 'Double', boolean: 'Boolean', string: 'String' };
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const START_OF_STRUCTURE = 'Start of structure or map found where not expected';

function serialization(message: string): DynamoError {
  return DynamoError.serialization(message);
}

export function typeCheck(value: unknown, shapeName: string, inCollection: boolean): void {
  if (value === null || value === undefined) return;
  const shape = SERVICE_MODEL.shapes[shapeName] as Shape;
  switch (shape.type) {
    case 'structure':
      if (typeof value !== 'object') throw serialization(inCollection ? 'Unexpected value type in payload' : 'Unexpected field type');
      if (Array.isArray(value)) throw serialization(`Unrecognized collection type class com.amazonaws.dynamodb.v20120810.${shapeName}`);
      for (const member in value) {
        // Own members only: a request member named "constructor" must not find Object's.
        const members = shape.members;
        if (members && Object.hasOwn(members, member)) typeCheck((value as Record<string, unknown>)[member], members[member] as string, false);
      }
      return;
    case 'list':
      if (typeof value !== 'object') throw serialization('Unexpected field type');
      if (!Array.isArray(value)) throw serialization(START_OF_STRUCTURE);
      for (const element of value) typeCheck(element, shape.member as string, true);
      return;
    case 'map':
      if (typeof value !== 'object') throw serialization('Unexpected field type');
      if (Array.isArray(value)) throw serialization(`Unrecognized collection type java.util.Map<java.lang.String, ${javaClassOf(shape.value as string)}>`);
      for (const key in value) typeCheck((value as Record<string, unknown>)[key], shape.value as string, true);
      return;
    case 'blob':
      checkBlob(value);
      return;
    case 'string':
      checkScalar(value, 'String', typeof value === 'string');
      return;
    case 'boolean':
      if (typeof value === 'string') {
        if (!/^(true|false|1|0|yes|no)$/i.test(value)) throw serialization('Unexpected token received from parser');
        return;
      }
      checkScalar(value, 'Boolean', typeof value === 'boolean');
      return;
    case 'timestamp':
      if (typeof value === 'boolean') throw serialization(`${value ? 'TRUE_VALUE' : 'FALSE_VALUE'} cannot be converted to Date`);
      if (typeof value === 'object') throw serialization(Array.isArray(value) ? 'Unrecognized collection type class java.util.Date' : START_OF_STRUCTURE);
      return;
    default: {
      const javaType = JAVA_TYPES[shape.type] as string;
      if (typeof value === 'string') throw serialization(`STRING_VALUE cannot be converted to ${javaType}`);
      checkScalar(value, javaType, typeof value === 'number');
    }
  }
}

function checkScalar(value: unknown, javaType: string, matches: boolean): void {
  if (matches) return;
  if (typeof value === 'boolean') throw serialization(`${value ? 'TRUE_VALUE' : 'FALSE_VALUE'} cannot be converted to ${javaType}`);
  if (typeof value === 'number') {
    throw serialization(`${Number.isInteger(value) ? 'NUMBER_VALUE' : 'DECIMAL_VALUE'} cannot be converted to ${javaType}`);
  }
  if (Array.isArray(value)) throw serialization(`Unrecognized collection type class java.lang.${javaType}`);
  throw serialization(START_OF_STRUCTURE);
}

function checkBlob(value: unknown): void {
  if (typeof value === 'boolean' || typeof value === 'number') throw serialization('only base-64-encoded strings are convertible to bytes');
  if (typeof value === 'object') throw serialization(Array.isArray(value) ? 'Unrecognized collection type class java.nio.ByteBuffer' : START_OF_STRUCTURE);
  const text = value as string;
  if (text.length % 4 !== 0) throw serialization(`Base64 encoded length is expected a multiple of 4 bytes but found: ${text.length}`);
  if (!BASE64.test(text) || Buffer.from(text, 'base64').toString('base64') !== text) {
    throw serialization('Invalid last non-pad Base64 character dectected');
  }
}

function javaClassOf(shapeName: string): string {
  const shape = SERVICE_MODEL.shapes[shapeName] as Shape;
  if (shape.type === 'structure') return `com.amazonaws.dynamodb.v20120810.${shapeName}`;
  return `java.lang.${JAVA_TYPES[shape.type] ?? 'Object'}`;
}
