import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DynamoError } from '@shoal/model';
import { prepareExpressions, type ExpressionParameters } from '@shoal/expressions';

function errorOf(parameters: ExpressionParameters): string {
  try {
    prepareExpressions(parameters);
  } catch (error) {
    expect(error).toBeInstanceOf(DynamoError);
    return (error as DynamoError).message;
  }
  throw new Error('expected a validation error');
}

describe('prepareExpressions errors', () => {
  const cases: [string, ExpressionParameters, string][] = [
    ['empty expression', { UpdateExpression: '' }, 'Invalid UpdateExpression: The expression can not be empty;'],
    ['syntax error with neighbours', { ConditionExpression: 'a = = :v', ExpressionAttributeValues: { ':v': { N: '1' } } }, 'Invalid ConditionExpression: Syntax error; token: "=", near: "= = :v"'],
    ['syntax error at the end', { UpdateExpression: 'SET a =' }, 'Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "="'],
    ['invalid character', { ProjectionExpression: 'first-name' }, 'Invalid ProjectionExpression: Syntax error; token: "-", near: "first-name"'],
    ['reserved word', { ProjectionExpression: 'Size, b' }, 'Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: Size'],
    ['undefined name', { ProjectionExpression: '#n' }, 'Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #n'],
    ['undefined value', { ConditionExpression: 'a = :v' }, 'Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v'],
    ['unused name', { ProjectionExpression: 'a', ExpressionAttributeNames: { '#x': 'x' } }, 'Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}'],
    ['unused value', { ConditionExpression: 'attribute_exists(a)', ExpressionAttributeValues: { ':v': { N: '1' } } }, 'Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}'],
    ['empty names map', { ProjectionExpression: 'a', ExpressionAttributeNames: {} }, 'ExpressionAttributeNames must not be empty'],
    ['bad value key', { ConditionExpression: 'a = :v', ExpressionAttributeValues: { v: { N: '1' } } }, 'ExpressionAttributeValues contains invalid key: Syntax error; key: "v"'],
    ['bad value', { ConditionExpression: 'a = :v', ExpressionAttributeValues: { ':v': { N: 'x' } } }, 'ExpressionAttributeValues contains invalid value: The parameter cannot be converted to a numeric value: x for key :v'],
    ['unknown function', { ConditionExpression: 'foo(a)' }, 'Invalid ConditionExpression: Invalid function name; function: foo'],
    ['function arity', { ConditionExpression: 'begins_with(a)' }, 'Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1'],
    ['function operand type', { ConditionExpression: 'begins_with(a, :n)', ExpressionAttributeValues: { ':n': { N: '1' } } }, 'Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N'],
    ['misused function', { ConditionExpression: 'attribute_exists(a) = :v', ExpressionAttributeValues: { ':v': { N: '1' } } }, 'Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: attribute_exists'],
    ['size as condition', { ConditionExpression: 'size(a)' }, 'Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size'],
    ['redundant parentheses', { ConditionExpression: '((a = :v))', ExpressionAttributeValues: { ':v': { N: '1' } } }, 'Invalid ConditionExpression: The expression has redundant parentheses;'],
    ['same operand twice', { ConditionExpression: 'a = a' }, 'Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]'],
    ['between bounds', { ConditionExpression: 'a BETWEEN :hi AND :lo', ExpressionAttributeValues: { ':hi': { N: '5' }, ':lo': { N: '1' } } }, 'Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}'],
    ['attribute_type name', { ConditionExpression: 'attribute_type(a, :t)', ExpressionAttributeValues: { ':t': { S: 'X' } } }, 'Invalid ConditionExpression: Invalid attribute type name found; type: X, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}'],
    ['section twice', { UpdateExpression: 'SET a = :v SET b = :v', ExpressionAttributeValues: { ':v': { N: '1' } } }, 'Invalid UpdateExpression: The "SET" section can only be used once in an update expression;'],
    ['overlapping paths', { UpdateExpression: 'SET a.b = :v REMOVE a', ExpressionAttributeValues: { ':v': { N: '1' } } }, 'Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a]'],
    ['conflicting paths', { UpdateExpression: 'SET a.b = :v, a[1] = :v', ExpressionAttributeValues: { ':v': { N: '1' } } }, 'Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]'],
    ['ADD of a string', { UpdateExpression: 'ADD a :s', ExpressionAttributeValues: { ':s': { S: 'x' } } }, 'Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING'],
    ['DELETE of a number', { UpdateExpression: 'DELETE a :n', ExpressionAttributeValues: { ':n': { N: '1' } } }, 'Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER'],
    ['list_append operand', { UpdateExpression: 'SET a = list_append(a, :n)', ExpressionAttributeValues: { ':n': { N: '1' } } }, 'Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: N'],
    ['if_not_exists needs a path', { UpdateExpression: 'SET a = if_not_exists(:n, :n)', ExpressionAttributeValues: { ':n': { N: '1' } } }, 'Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists'],
    ['legacy Exists and Value', { Expected: { a: { Exists: false, Value: { S: 'x' } } } }, 'One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: a'],
    ['legacy operand count', { Expected: { a: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ N: '1' }] } } }, 'One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN ComparisonOperator'],
    ['legacy operator type', { Expected: { a: { ComparisonOperator: 'LT', AttributeValueList: [{ SS: ['x'] }] } } }, 'One or more parameter values were invalid: ComparisonOperator LT is not valid for SS AttributeValue type'],
    ['legacy ADD type', { AttributeUpdates: { a: { Action: 'ADD', Value: { S: 'x' } } } }, 'One or more parameter values were invalid: ADD action is not supported for the type S'],
  ];
  for (const [name, parameters, message] of cases) {
    it(name, () => expect(errorOf(parameters)).toBe(message));
  }
});

describe('prepareExpressions results', () => {
  it('resolves placeholders into plain, serialisable data', () => {
    const prepared = prepareExpressions({
      UpdateExpression: 'SET #a.b[2] = :v REMOVE c',
      ConditionExpression: 'attribute_exists(#a) AND size(c) > :n',
      ExpressionAttributeNames: { '#a': 'attr' },
      ExpressionAttributeValues: { ':v': { N: '01.50' }, ':n': { N: '2' } },
    });
    expect(JSON.parse(JSON.stringify(prepared))).toEqual(prepared);
    expect(prepared.update).toEqual({
      set: [{ path: ['attr', 'b', 2], value: { kind: 'value', value: { N: '1.5' } } }],
      remove: [['c']],
      add: [],
      delete: [],
    });
    expect(prepared.condition).toEqual({
      kind: 'and',
      left: { kind: 'function', name: 'attribute_exists', args: [{ kind: 'path', path: ['attr'] }] },
      right: { kind: 'comparison', comparator: '>', left: { kind: 'size', operand: { kind: 'path', path: ['c'] } }, right: { kind: 'value', value: { N: '2' } } },
    });
  });

  it('accepts keywords in any case and sections in any order', () => {
    const prepared = prepareExpressions({ UpdateExpression: 'remove a add b :n set c = :n', ExpressionAttributeValues: { ':n': { N: '1' } } });
    expect([prepared.update?.remove, prepared.update?.add.length, prepared.update?.set.length]).toEqual([[['a']], 1, 1]);
  });
});

describe('prepareExpressions on arbitrary input', () => {
  const tokens = ['a', 'b.c', '#n', ':v', '(', ')', '[0]', ',', '=', '<>', '<', '>=', 'AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'SET', 'REMOVE', 'ADD', 'DELETE', '+', '-', 'size', 'attribute_exists', 'begins_with', 'list_append', 'if_not_exists', '😀', '"', '\u0000', ' '];
  const expression = fc.oneof(fc.string(), fc.array(fc.constantFrom(...tokens), { maxLength: 14 }).map((parts) => parts.join(' ')));
  it('never throws anything but DynamoError', () => {
    fc.assert(
      fc.property(expression, fc.constantFrom('ConditionExpression', 'UpdateExpression', 'ProjectionExpression', 'FilterExpression', 'KeyConditionExpression'), (text, kind) => {
        try {
          prepareExpressions({ [kind]: text, ExpressionAttributeNames: { '#n': 'n' }, ExpressionAttributeValues: { ':v': { N: '1' } } });
        } catch (error) {
          expect(error).toBeInstanceOf(DynamoError);
        }
      }),
      { seed: 20261125, numRuns: 3000 },
    );
  });
});
