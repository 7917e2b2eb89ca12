import { describe, expect, it } from 'vitest';
import type { Item } from '@shoal/model';
import { applyUpdate, evaluateCondition, prepareExpressions, projectItem } from '@shoal/expressions';

const item: Item = {
  s: { S: 'hello' },
  n: { N: '10' },
  big: { N: '12345678901234567890123456789012345678' },
  b: { B: Buffer.from([1, 2, 3]).toString('base64') },
  ss: { SS: ['x', 'y'] },
  ns: { NS: ['1', '2'] },
  l: { L: [{ S: 'a' }, { N: '2' }, { M: { deep: { BOOL: true } } }] },
  m: { M: { leaf: { S: 'v' }, seq: { L: [{ N: '1' }, { N: '2' }, { N: '3' }] } } },
  nul: { NULL: true },
};

function holds(condition: string, values: Record<string, Item[string]> = {}): boolean {
  const { condition: prepared } = prepareExpressions({
    ConditionExpression: condition,
    ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
  });
  return evaluateCondition(prepared!, item);
}

function update(expression: string, values: Record<string, Item[string]> = {}, base: Item = item): Item {
  const { update: prepared } = prepareExpressions({
    UpdateExpression: expression,
    ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
  });
  return applyUpdate(prepared!, base);
}

describe('evaluateCondition', () => {
  it('compares numbers as 38-digit decimals', () => {
    expect(holds('big > :v', { ':v': { N: '12345678901234567890123456789012345677' } })).toBe(true);
    expect(holds('n = :v', { ':v': { N: '10' } })).toBe(true);
    expect(holds('n < :v', { ':v': { N: '9.99999999999999999999999999999999999' } })).toBe(false);
  });

  it('orders strings by UTF-8 bytes', () => {
    expect(holds('s < :v', { ':v': { S: 'hellp' } })).toBe(true);
    const fullwidth = { S: '\uff5e' };
    const emoji = { S: '\u{1f600}' };
    const { condition } = prepareExpressions({ ConditionExpression: 'a < :e', ExpressionAttributeValues: { ':e': emoji } });
    expect(evaluateCondition(condition!, { a: fullwidth })).toBe(true);
  });

  it('is false across types and for missing attributes; <> is true there', () => {
    expect(holds('s = :v', { ':v': { N: '1' } })).toBe(false);
    expect(holds('s <> :v', { ':v': { N: '1' } })).toBe(true);
    expect(holds('ghost < :v', { ':v': { N: '1' } })).toBe(false);
    expect(holds('ghost <> :v', { ':v': { N: '1' } })).toBe(true);
  });

  it('evaluates functions, nested paths, IN, BETWEEN and boolean logic', () => {
    expect(holds('begins_with(s, :p) AND contains(ss, :x) AND contains(l, :a)', { ':p': { S: 'he' }, ':x': { S: 'x' }, ':a': { S: 'a' } })).toBe(true);
    expect(holds('attribute_type(m.seq, :t) AND size(m.seq) = :three', { ':t': { S: 'L' }, ':three': { N: '3' } })).toBe(true);
    expect(holds('l[2].deep = :t AND m.seq[1] IN (:one, :two)', { ':t': { BOOL: true }, ':one': { N: '1' }, ':two': { N: '2' } })).toBe(true);
    expect(holds('n BETWEEN :lo AND :hi', { ':lo': { N: '10' }, ':hi': { N: '10' } })).toBe(true);
    expect(holds('NOT (attribute_exists(nul) OR attribute_not_exists(s))')).toBe(false);
    expect(holds('ss = :set', { ':set': { SS: ['y', 'x'] } })).toBe(true);
    expect(holds('contains(b, :bytes)', { ':bytes': { B: Buffer.from([2, 3]).toString('base64') } })).toBe(true);
  });
});

describe('applyUpdate', () => {
  it('computes every SET value from the original item', () => {
    const result = update('SET n = n + :one, dup = n', { ':one': { N: '1' } });
    expect([result.n, result.dup]).toEqual([{ N: '11' }, { N: '10' }]);
  });

  it('appends past the end of a list and removes list elements by original index', () => {
    const result = update('SET m.seq[10] = :x REMOVE l[0], l[2]', { ':x': { N: '9' } });
    expect(result.m).toEqual({ M: { leaf: { S: 'v' }, seq: { L: [{ N: '1' }, { N: '2' }, { N: '3' }, { N: '9' }] } } });
    expect(result.l).toEqual({ L: [{ N: '2' }] });
  });

  it('adds to numbers and sets, deletes from sets, and removes emptied sets', () => {
    const result = update('ADD n :five, ss :z, fresh :one DELETE ns :pair', { ':five': { N: '-5.5' }, ':z': { SS: ['z', 'x'] }, ':one': { N: '1' }, ':pair': { NS: ['1', '2'] } });
    expect([result.n, result.ss, result.fresh, result.ns]).toEqual([{ N: '4.5' }, { SS: ['x', 'y', 'z'] }, { N: '1' }, undefined]);
  });

  it('stores an attribute named __proto__ as an attribute', () => {
    const { update: prepared } = prepareExpressions({ UpdateExpression: 'SET #p = :v', ExpressionAttributeNames: { '#p': '__proto__' }, ExpressionAttributeValues: { ':v': { S: 'x' } } });
    const result = applyUpdate(prepared!, {});
    expect(Object.hasOwn(result, '__proto__')).toBe(true);
    expect(JSON.parse(JSON.stringify(result))).toEqual(JSON.parse('{"__proto__":{"S":"x"}}'));
  });

  it('does not change its input', () => {
    const before = structuredClone(item);
    update('SET m.leaf = :v REMOVE l[1]', { ':v': { S: 'changed' } });
    expect(item).toEqual(before);
  });

  it('raises DynamoDB runtime errors', () => {
    expect(() => update('SET x = nothing')).toThrow('The provided expression refers to an attribute that does not exist in the item');
    expect(() => update('SET s.child = :v', { ':v': { N: '1' } })).toThrow('The document path provided in the update expression is invalid for update');
    expect(() => update('ADD s :v', { ':v': { N: '1' } })).toThrow('An operand in the update expression has an incorrect data type');
    expect(() => update('SET n = s + :v', { ':v': { N: '1' } })).toThrow('An operand in the update expression has an incorrect data type');
    expect(() => update('SET n = :a + :b', { ':a': { N: '9E+125' }, ':b': { N: '1E+125' } })).toThrow(
      'Number overflow. Attempting to store a number with magnitude larger than supported range',
    );
  });

  it('applies legacy AttributeUpdates with their own semantics', () => {
    const { update: prepared } = prepareExpressions({
      AttributeUpdates: { l: { Action: 'ADD', Value: { L: [{ S: 'z' }] } }, s: { Action: 'DELETE' }, ss: { Action: 'DELETE', Value: { SS: ['x', 'y'] } } },
    });
    const result = applyUpdate(prepared!, item);
    expect([result.l && 'L' in result.l ? result.l.L.length : 0, result.s, result.ss]).toEqual([4, undefined, undefined]);
  });
});

describe('projectItem', () => {
  it('keeps nesting and packs selected list elements in order', () => {
    const { projection } = prepareExpressions({ ProjectionExpression: 'm.seq[2], m.seq[0], l[2].deep, s, absent' });
    expect(projectItem(item, projection!)).toEqual({
      m: { M: { seq: { L: [{ N: '1' }, { N: '3' }] } } },
      l: { L: [{ M: { deep: { BOOL: true } } }] },
      s: { S: 'hello' },
    });
  });
});
