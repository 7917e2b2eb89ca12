import { encodeKey, isKeyValue, keyValueBytes, type KeyValue } from '@shoal/codec';
import type { Condition, Operand } from '@shoal/expressions';
import { DynamoError, invalidParameter } from '@shoal/model';
import type { KeyShape } from '@shoal/metadata';
import { concatBytes, prefixEnd } from '@shoal/partition';
import type { KeyRange } from '@shoal/storage';

/**
 * A Query's key condition, checked as DynamoDB checks it and turned into one range of the
 * order-preserving key encoding: `=` on the partition key selects an item collection, and the
 * optional sort-key condition narrows it to a contiguous sub-range.
 */
export type SortOperator = 'EQ' | 'LT' | 'LE' | 'GT' | 'GE' | 'BETWEEN' | 'BEGINS_WITH';

export interface KeyQuery {
  partitionValue: KeyValue;
  sort?: { name: string; operator: SortOperator; values: KeyValue[] };
}

const FLIPPED: Record<string, string> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const OPERATORS: Record<string, SortOperator> = { '=': 'EQ', '<': 'LT', '<=': 'LE', '>': 'GT', '>=': 'GE' };
const invalidCondition = (detail: string) => DynamoError.validation(`Invalid condition in KeyConditionExpression: ${detail}`);

interface KeyTerm {
  name: string;
  operator: SortOperator;
  values: Operand[];
}

function collectTerms(condition: Condition, terms: KeyTerm[]): void {
  switch (condition.kind) {
    case 'and':
      collectTerms(condition.left, terms);
      collectTerms(condition.right, terms);
      return;
    case 'or':
    case 'not':
    case 'in':
      throw DynamoError.validation(`Invalid operator used in KeyConditionExpression: ${condition.kind.toUpperCase()}`);
    case 'notContains':
      throw DynamoError.validation('Attempted conditional constraint is not an indexable operation');
    case 'function':
      if (condition.name !== 'begins_with') throw DynamoError.validation(`Invalid operator used in KeyConditionExpression: ${condition.name}`);
      return addTerm(terms, 'BEGINS_WITH', condition.args, 'begins_with');
    case 'between':
      return addTerm(terms, 'BETWEEN', [condition.operand, condition.low, condition.high], 'BETWEEN');
    case 'comparison': {
      if (condition.comparator === '<>') throw DynamoError.validation('Invalid operator used in KeyConditionExpression: <>');
      const valueFirst = condition.left.kind !== 'path' && condition.right.kind === 'path';
      const comparator = valueFirst ? (FLIPPED[condition.comparator] as string) : condition.comparator;
      const operands = valueFirst ? [condition.right, condition.left] : [condition.left, condition.right];
      return addTerm(terms, OPERATORS[comparator] as SortOperator, operands, comparator);
    }
  }
}

function addTerm(terms: KeyTerm[], operator: SortOperator, operands: Operand[], name: string): void {
  const paths = operands.filter((operand) => operand.kind === 'path');
  if (operands.some((operand) => operand.kind === 'size')) throw DynamoError.validation('KeyConditionExpressions cannot contain nested operations');
  if (paths.length > 1) throw invalidCondition('Multiple attribute names used in one condition');
  const [path] = paths;
  if (!path || path.kind !== 'path') throw invalidCondition('No key attribute specified');
  if ((operator === 'BETWEEN' || operator === 'BEGINS_WITH') && operands[0] !== path) {
    throw invalidCondition(`${name} operator must have the key attribute as its first operand`);
  }
  if (path.path.length > 1) throw DynamoError.validation('KeyConditionExpressions cannot have conditions on nested attributes');
  const attribute = path.path[0] as string;
  if (terms.some((term) => term.name === attribute)) throw DynamoError.validation('KeyConditionExpressions must only contain one condition per key');
  terms.push({ name: attribute, operator, values: operands.filter((operand) => operand !== path) });
}

export function analyseKeyCondition(condition: Condition, shape: KeyShape): KeyQuery {
  const terms: KeyTerm[] = [];
  collectTerms(condition, terms);
  const sortName = shape.sortKey?.name;
  if (terms.length > 2 || (terms.length === 2 && !shape.sortKey)) throw DynamoError.validation('Query key condition not supported');
  const partition = terms.find((term) => term.name === shape.partitionKey.name);
  if (!partition) throw DynamoError.validation(`Query condition missed key schema element: ${shape.partitionKey.name}`);
  const sort = terms.find((term) => term !== partition);
  if (sort && sort.name !== sortName) throw DynamoError.validation(`Query condition missed key schema element: ${sortName ?? sort.name}`);
  if (partition.operator !== 'EQ') throw DynamoError.validation('Query key condition not supported');

  const values = (term: KeyTerm, type: string): KeyValue[] =>
    term.values.map((operand) => {
      const value = operand.kind === 'value' ? operand.value : undefined;
      if (!value || !isKeyValue(value) || !(type in value)) {
        throw invalidParameter('Condition parameter type does not match schema type');
      }
      return value;
    });
  const query: KeyQuery = { partitionValue: values(partition, shape.partitionKey.type)[0] as KeyValue };
  if (sort && shape.sortKey) {
    if (sort.operator === 'BEGINS_WITH' && shape.sortKey.type === 'N') {
      throw DynamoError.validation('Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N');
    }
    query.sort = { name: shape.sortKey.name, operator: sort.operator, values: values(sort, shape.sortKey.type) };
  }
  return query;
}

/**
 * The storage-key range holding exactly the entries a key query selects. `collectionPrefix` is
 * the bytes shared by the partition key's entries; with `trailing`, more key components follow
 * the sort key (index entries end with the table key), so inclusive bounds cover every entry
 * whose sort key equals the bound.
 */
export function keyQueryRange(collectionPrefix: Uint8Array, query: KeyQuery, trailing: boolean): KeyRange {
  const prefix = collectionPrefix;
  const collection = { gte: prefix, lt: prefixEnd(prefix) };
  if (!query.sort) return collection;
  const [first, second] = query.sort.values as [KeyValue, KeyValue | undefined];
  const at = (value: KeyValue) => concatBytes(prefix, encodeKey([value]));
  const through = (value: KeyValue): KeyRange => (trailing ? { lt: prefixEnd(at(value)) } : { lte: at(value) });
  const after = (value: KeyValue): KeyRange => (trailing ? { gte: prefixEnd(at(value)) } : { gt: at(value) });
  switch (query.sort.operator) {
    case 'EQ':
      return { gte: at(first), ...through(first) };
    case 'LT':
      return { gte: prefix, lt: at(first) };
    case 'LE':
      return { gte: prefix, ...through(first) };
    case 'GT':
      return { ...after(first), lt: collection.lt };
    case 'GE':
      return { gte: at(first), lt: collection.lt };
    case 'BETWEEN':
      return { gte: at(first), ...through(second as KeyValue) };
    case 'BEGINS_WITH': {
      // The encoding of a string or binary is its escaped bytes then a terminator, so every value
      // with this prefix encodes to bytes that start with the prefix's escaped bytes.
      const encoded = keyValueBytes(first);
      const start = concatBytes(prefix, encoded.subarray(0, encoded.length - 2));
      return { gte: start, lt: prefixEnd(start) };
    }
  }
}
