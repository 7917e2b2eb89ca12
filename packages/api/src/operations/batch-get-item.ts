import { projectItem } from '@shoal/expressions';
import { DynamoError, type Item } from '@shoal/model';
import { checkKey, itemStorageKey } from '@shoal/partition';
import type { OperationHandler, Response } from '../context.js';
import { checkExpressionParameters } from '../expression-parameters.js';
import { checkAttributeValues, prepareRequestExpressions } from '../item-requests.js';
import { activeTable } from '../tables.js';
import { checkDuplicateAttributes } from './query.js';

/** DynamoDB's limits: 100 keys per call, 16 MB per response (the rest is UnprocessedKeys). */
export const BATCH_GET_KEYS_MAX = 100;
export const BATCH_GET_RESPONSE_BYTES_MAX = 16 * 1024 * 1024;
const READ_UNIT_BYTES = 4096;

interface TableRequest {
  Keys: Item[];
  ConsistentRead?: boolean;
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  AttributesToGet?: string[];
}

export const batchGetItem: OperationHandler = async (request, context) => {
  const requestItems = request.RequestItems as Record<string, TableRequest>;
  let keyCount = 0;
  const prepared = new Map<string, ReturnType<typeof prepareRequestExpressions>>();
  for (const [tableName, tableRequest] of Object.entries(requestItems)) {
    checkExpressionParameters(tableRequest, ['ProjectionExpression'], ['AttributesToGet']);
    checkDuplicateAttributes(tableRequest.AttributesToGet);
    prepared.set(tableName, prepareRequestExpressions(tableRequest));
    const seen = new Set<string>();
    for (const key of tableRequest.Keys) {
      checkAttributeValues(key);
      const identity = JSON.stringify(Object.keys(key).sort().map((name) => [name, key[name]]));
      if (seen.has(identity)) throw DynamoError.validation('Provided list of item keys contains duplicates');
      seen.add(identity);
      if (++keyCount > BATCH_GET_KEYS_MAX) throw DynamoError.validation('Too many items requested for the BatchGetItem call');
    }
  }

  const responses: Record<string, Item[]> = {};
  const unprocessed: Record<string, TableRequest> = {};
  const capacity: Record<string, number> = {};
  let responseBytes = 0;
  for (const [tableName, tableRequest] of Object.entries(requestItems)) {
    const { handle } = activeTable(context, tableName);
    for (const key of tableRequest.Keys) {
      const invalid = checkKey(handle.shape, key);
      if (invalid) throw invalid;
    }
    const projection = prepared.get(tableName)?.projection;
    const found: Item[] = [];
    const values = await context.store.getMany(
      tableRequest.Keys.map((key) => itemStorageKey(handle.tableNumber, handle.shape, key)),
      tableRequest.ConsistentRead === true,
    );
    tableRequest.Keys.forEach((key, i) => {
      const stored = values[i];
      if (responseBytes >= BATCH_GET_RESPONSE_BYTES_MAX) {
        const rest = (unprocessed[tableName] ??= { ...tableRequest, Keys: [] });
        rest.Keys.push(key);
        return;
      }
      if (!stored) return;
      const { item, size } = stored;
      responseBytes += size;
      capacity[tableName] = (capacity[tableName] ?? 0) + Math.max(1, Math.ceil(size / READ_UNIT_BYTES)) * (tableRequest.ConsistentRead ? 1 : 0.5);
      found.push(projection ? projectItem(item, projection) : item);
    });
    responses[tableName] = found;
  }
  const response: Response = { Responses: responses, UnprocessedKeys: unprocessed };
  if (request.ReturnConsumedCapacity === 'TOTAL' || request.ReturnConsumedCapacity === 'INDEXES') {
    response.ConsumedCapacity = Object.keys(requestItems).map((tableName) => ({ TableName: tableName, CapacityUnits: capacity[tableName] ?? 0 }));
  }
  return response;
};
