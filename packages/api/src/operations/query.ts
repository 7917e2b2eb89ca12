import { evaluateCondition } from '@shoal/expressions';
import { DynamoError, invalidParameter } from '@shoal/model';
import type { KeyShape } from '@shoal/metadata';
import { indexCollectionPrefix, itemCollectionPrefix } from '@shoal/partition';
import type { OperationHandler } from '../context.js';
import { checkExpressionParameters } from '../expression-parameters.js';
import { indexStartKeyBytes, resolveIndexRead, tableFetcher } from '../index-reads.js';
import { prepareRequestExpressions } from '../item-requests.js';
import { analyseKeyCondition, keyQueryRange } from '../key-condition.js';
import { keyNamesOf, pageOptionsOf, pageResponse, readPage } from '../read-pages.js';
import { startKeyBytes } from '../start-key.js';
import { activeTable } from '../tables.js';

/** Query: one range iteration over the item collection (of the table or an index) the key condition selects. */
export const query: OperationHandler = async (request, context) => {
  checkExpressionParameters(
    request,
    ['ProjectionExpression', 'FilterExpression', 'KeyConditionExpression'],
    ['AttributesToGet', 'QueryFilter', 'ConditionalOperator', 'KeyConditions'],
  );
  checkDuplicateAttributes(request.AttributesToGet);
  if (request.KeyConditions == null && request.KeyConditionExpression == null) {
    throw DynamoError.validation('Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.');
  }
  const prepared = prepareRequestExpressions(request);
  const { table, handle } = activeTable(context, request.TableName);
  const index = request.IndexName != null ? resolveIndexRead(table, request, prepared.projection) : undefined;
  const keyShape = index ? index.shape : handle.shape;
  const keyQuery = analyseKeyCondition(prepared.keyCondition!, keyShape);
  checkFilterAvoidsKeys(request, prepared.filter, keyShape);

  const collection = index
    ? indexCollectionPrefix(handle.tableNumber, index.handle.indexNumber, keyQuery.partitionValue)
    : itemCollectionPrefix(handle.tableNumber, keyQuery.partitionValue);
  const range = keyQueryRange(collection, keyQuery, index !== undefined);
  const forward = request.ScanIndexForward !== false;
  if (request.ExclusiveStartKey) {
    const startKey = request.ExclusiveStartKey;
    const start = index ? indexStartKeyBytes(handle, index, startKey) : startKeyBytes(handle, startKey);
    const partitionMatches = evaluateCondition(
      { kind: 'comparison', comparator: '=', left: { kind: 'path', path: [keyShape.partitionKey.name] }, right: { kind: 'value', value: keyQuery.partitionValue } },
      startKey,
    );
    if (!partitionMatches) throw DynamoError.validation('The provided starting key is outside query boundaries based on provided conditions');
    if (keyQuery.sort && prepared.keyCondition && !evaluateCondition(prepared.keyCondition, startKey)) {
      throw DynamoError.validation('The provided starting key does not match the range key predicate');
    }
    if (forward) {
      delete range.gte;
      range.gt = start;
    } else {
      delete range.lte;
      range.lt = start;
    }
  }
  const options = pageOptionsOf(request, prepared, index ? keyNamesOf(handle.shape, index.shape) : keyNamesOf(handle.shape));
  if (index?.fetchFromTable) options.resolve = tableFetcher(context, handle);
  // A page never reads past Limit items, so neither need the iteration.
  const limit = request.Limit !== undefined ? { limit: request.Limit as number } : {};
  const page = await readPage(context.store.scanItems({ ...range, ...limit, reverse: !forward }, request.ConsistentRead === true), options);
  return pageResponse(request, table.TableName, page, options);
};

export function checkDuplicateAttributes(attributes: string[] | undefined): void {
  if (!attributes) return;
  const duplicate = attributes.find((name, i) => attributes.indexOf(name) !== i);
  if (duplicate !== undefined) throw invalidParameter(`Duplicate value in attribute name: ${duplicate}`);
}

function checkFilterAvoidsKeys(request: Record<string, unknown>, filter: unknown, shape: KeyShape): void {
  if (!filter) return;
  const keys = [shape.partitionKey.name, ...(shape.sortKey ? [shape.sortKey.name] : [])];
  const heads = new Set<string>();
  collectPathHeads(filter, heads);
  const named = request.QueryFilter ? 'QueryFilter' : 'Filter Expression';
  for (const key of keys) {
    if (heads.has(key)) throw DynamoError.validation(`${named} can only contain non-primary key attributes: Primary key attribute: ${key}`);
  }
}

function collectPathHeads(node: unknown, heads: Set<string>): void {
  if (Array.isArray(node)) {
    for (const child of node) collectPathHeads(child, heads);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  if (record.kind === 'path' && Array.isArray(record.path)) heads.add(String(record.path[0]));
  for (const value of Object.values(record)) if (typeof value === 'object') collectPathHeads(value, heads);
}
