import { DynamoError, ITEM_SIZE_BYTES_MAX, itemSizeBytes, type Item } from '@shoal/model';
import { checkItemKey, checkKey, extractKey, type WriteCommand } from '@shoal/partition';
import type { OperationHandler, Response } from '../context.js';
import { writeCapacityUnits } from '../capacity.js';
import { checkAttributeValues, throwUnlessApplied } from '../item-requests.js';
import { activeTable } from '../tables.js';

interface WriteRequest {
  PutRequest?: { Item: Item };
  DeleteRequest?: { Key: Item };
}

/**
 * Up to 25 puts and deletes over several tables. Each request is an independent write (not a
 * transaction, as in DynamoDB): they run concurrently and share group-commit syncs.
 */
export const batchWriteItem: OperationHandler = async (request, context) => {
  const requestItems = request.RequestItems as Record<string, WriteRequest[]>;
  for (const writes of Object.values(requestItems)) {
    for (const write of writes) {
      if (!write.PutRequest && !write.DeleteRequest) {
        throw DynamoError.validation('Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes');
      }
      if (write.PutRequest) {
        checkAttributeValues(write.PutRequest.Item);
        if (itemSizeBytes(write.PutRequest.Item) > ITEM_SIZE_BYTES_MAX) throw DynamoError.validation('Item size has exceeded the maximum allowed size');
      } else if (write.DeleteRequest) {
        checkAttributeValues(write.DeleteRequest.Key);
      }
    }
  }
  const planned: { tableName: string; handle: ReturnType<typeof activeTable>['handle']; key: Item; command: WriteCommand }[] = [];
  for (const [tableName, writes] of Object.entries(requestItems)) {
    const { handle } = activeTable(context, tableName);
    const seen = new Set<string>();
    for (const write of writes) {
      let key: Item;
      let command: WriteCommand;
      if (write.PutRequest) {
        const invalid = checkItemKey(handle.shape, write.PutRequest.Item);
        if (invalid) throw invalid;
        key = extractKey(handle.shape, write.PutRequest.Item);
        command = { kind: 'put', item: write.PutRequest.Item, returnValues: 'NONE', returnItemOnConditionFailure: false };
      } else {
        key = (write.DeleteRequest as { Key: Item }).Key;
        const invalid = checkKey(handle.shape, key);
        if (invalid) throw invalid;
        command = { kind: 'delete', key, returnValues: 'NONE', returnItemOnConditionFailure: false };
      }
      const identity = JSON.stringify([key[handle.shape.partitionKey.name], handle.shape.sortKey ? key[handle.shape.sortKey.name] : null]);
      if (seen.has(identity)) throw DynamoError.validation('Provided list of item keys contains duplicates');
      seen.add(identity);
      planned.push({ tableName, handle, key, command });
    }
  }
  const outcomes = await Promise.all(planned.map(({ handle, key, command }) => context.store.execute(handle, key, command)));
  const applied = outcomes.map((outcome) => {
    throwUnlessApplied(outcome);
    return outcome;
  });
  const response: Response = { UnprocessedItems: {} };
  if (request.ReturnConsumedCapacity === 'TOTAL' || request.ReturnConsumedCapacity === 'INDEXES') {
    const capacity: Record<string, number> = {};
    applied.forEach((outcome, i) => {
      const { tableName } = planned[i]!;
      capacity[tableName] = (capacity[tableName] ?? 0) + writeCapacityUnits(outcome.before, outcome.after);
    });
    response.ConsumedCapacity = Object.keys(requestItems).map((tableName) => ({ TableName: tableName, CapacityUnits: capacity[tableName] ?? 0 }));
  }
  return response;
};
