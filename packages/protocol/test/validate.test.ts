import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DynamoError } from '@shoal/model';
import { OPERATIONS, validateRequest } from '@shoal/protocol';

function failure(operation: string, body: unknown): { type: string; message: string } {
  try {
    validateRequest(operation, body);
  } catch (error) {
    expect(error).toBeInstanceOf(DynamoError);
    return { type: (error as DynamoError).qualifiedType, message: (error as DynamoError).message };
  }
  throw new Error('expected a failure');
}

const VALIDATION = 'com.amazon.coral.validate#ValidationException';
const SERIALIZATION = 'com.amazon.coral.service#SerializationException';

describe('constraint violations', () => {
  it('reports a missing required member', () => {
    expect(failure('GetItem', { Key: {} })).toEqual({
      type: VALIDATION,
      message: "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null",
    });
  });

  it('checks table names that are not ARNs against the name rules, pattern before length', () => {
    expect(failure('DescribeTable', { TableName: ';;' })).toEqual({
      type: VALIDATION,
      message:
        "2 validation errors detected: Value ';;' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; " +
        "Value ';;' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3",
    });
    expect(() => validateRequest('DescribeTable', { TableName: 'arn:aws:dynamodb:us-east-1:000000000000:table/Music' })).not.toThrow();
  });

  it('reports enums, ranges and nested paths', () => {
    expect(failure('PutItem', { TableName: 'Music', Item: {}, ReturnValues: 'SOME' }).message).toBe(
      "1 validation error detected: Value 'SOME' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [NONE, ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW]",
    );
    expect(failure('ListTables', { Limit: 0 }).message).toBe(
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    expect(
      failure('CreateTable', {
        TableName: 'Music',
        AttributeDefinitions: [{ AttributeName: 'a', AttributeType: 'X' }],
        KeySchema: [{ AttributeName: 'a', KeyType: 'HASH' }, null],
        BillingMode: 'PAY_PER_REQUEST',
      }).message,
    ).toBe(
      "2 validation errors detected: Value 'X' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [S, N, B]; " +
        "Value null at 'keySchema.2.member' failed to satisfy constraint: Member must not be null",
    );
  });

  it('requires CreateTable key schema and attribute definitions', () => {
    expect(failure('CreateTable', { TableName: 'Music' }).message).toBe(
      "2 validation errors detected: Value null at 'attributeDefinitions' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'keySchema' failed to satisfy constraint: Member must not be null",
    );
  });
});

describe('JSON type errors', () => {
  const cases: [string, unknown, string][] = [
    ['number for a string', { TableName: 5 }, 'NUMBER_VALUE cannot be converted to String'],
    ['decimal for a string', { TableName: 5.5 }, 'DECIMAL_VALUE cannot be converted to String'],
    ['boolean for a string', { TableName: true }, 'TRUE_VALUE cannot be converted to String'],
    ['list for a string', { TableName: [] }, 'Unrecognized collection type class java.lang.String'],
    ['map for a string', { TableName: {} }, 'Start of structure or map found where not expected'],
  ];
  for (const [name, body, message] of cases) {
    it(name, () => expect(failure('DescribeTable', body)).toEqual({ type: SERIALIZATION, message }));
  }

  it('checks attribute values, blobs and numbers at depth', () => {
    expect(failure('PutItem', { TableName: 'Music', Item: { a: { S: 5 } } }).message).toBe('NUMBER_VALUE cannot be converted to String');
    expect(failure('PutItem', { TableName: 'Music', Item: { a: { B: 'abc' } } }).message).toBe('Base64 encoded length is expected a multiple of 4 bytes but found: 3');
    expect(failure('PutItem', { TableName: 'Music', Item: { a: { L: [{ BOOL: 'maybe' }] } } }).message).toBe('Unexpected token received from parser');
    expect(failure('PutItem', { TableName: 'Music', Item: [] }).message).toBe(
      'Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>',
    );
    expect(failure('ListTables', { Limit: 'ten' }).message).toBe('STRING_VALUE cannot be converted to Integer');
  });
});

describe('validateRequest on arbitrary input', () => {
  it('throws nothing but DynamoError, for every operation', () => {
    fc.assert(
      fc.property(fc.constantFrom(...OPERATIONS), fc.jsonValue({ maxDepth: 6 }), (operation, body) => {
        try {
          validateRequest(operation, body && typeof body === 'object' && !Array.isArray(body) ? body : { TableName: body });
        } catch (error) {
          expect(error).toBeInstanceOf(DynamoError);
        }
      }),
      { seed: 20261125, numRuns: 3000 },
    );
  });
});
