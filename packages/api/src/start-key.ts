import { DynamoError, type Item } from '@shoal/model';
import { checkKey, itemStorageKey, type TableHandle } from '@shoal/partition';
import { checkAttributeValues } from './item-requests.js';

/** Validates an ExclusiveStartKey against the table's key schema and returns its storage key. */
export function startKeyBytes(handle: TableHandle, startKey: Item): Uint8Array {
  try {
    checkAttributeValues(startKey);
  } catch (error) {
    if (error instanceof DynamoError && /contains duplicates|number set|numeric value|significant digits|number with magnitude/.test(error.message)) throw error;
    throw DynamoError.validation(`The provided starting key is invalid: ${(error as Error).message}`);
  }
  const invalid = checkKey(handle.shape, startKey);
  if (invalid) throw DynamoError.validation(`The provided starting key is invalid: ${invalid.message}`);
  return itemStorageKey(handle.tableNumber, handle.shape, startKey);
}
