import { applyUpdate, evaluateCondition, projectItem, updatedPaths, writtenPaths, type Update } from '@shoal/expressions';
import { isShoalError } from '@shoal/base';
import { DynamoError, ITEM_SIZE_BYTES_MAX, itemSizeBytes, type Item } from '@shoal/model';
import type { WriteCommand, WriteOutcome } from './commands.js';

/**
 * The partition state machine's write step: a pure function of the command and the item as it
 * is before the command. Conditions and update expressions are evaluated here, at apply time, so
 * that read-modify-write is atomic per item. A failed condition or an apply-time validation error
 * is a result, never a thrown error.
 */
export function applyWrite(command: WriteCommand, current: Item | undefined): WriteOutcome {
  if (command.condition && !evaluateCondition(command.condition, current)) {
    return { status: 'conditionFailed', item: command.returnItemOnConditionFailure ? current : undefined };
  }
  switch (command.kind) {
    case 'put':
      return applied(current, command.item, command.returnValues === 'ALL_OLD' ? current : undefined);
    case 'delete':
      return applied(current, undefined, command.returnValues === 'ALL_OLD' ? current : undefined);
    case 'update':
      return applyUpdateCommand(command.key, command.update, command.returnValues, current);
  }
}

function applyUpdateCommand(
  key: Item,
  update: Update | undefined,
  returnValues: WriteCommand['returnValues'],
  current: Item | undefined,
): WriteOutcome {
  const base = current ?? key;
  let next: Item;
  try {
    next = update ? applyUpdate(update, base) : { ...base };
  } catch (error) {
    if (isShoalError(error) && error instanceof DynamoError) {
      return { status: 'rejected', rejection: { type: error.type, message: error.message } };
    }
    throw error;
  }
  const size = itemSizeBytes(next);
  if (size > ITEM_SIZE_BYTES_MAX) {
    return {
      status: 'rejected',
      rejection: { type: 'ValidationException', message: 'Item size to update has exceeded the maximum allowed size' },
    };
  }
  return applied(current, next, updateReturnValues(returnValues, update, current, next), size);
}

function updateReturnValues(
  returnValues: WriteCommand['returnValues'],
  update: Update | undefined,
  before: Item | undefined,
  after: Item,
): Item | undefined {
  switch (returnValues) {
    case 'NONE':
      return undefined;
    case 'ALL_OLD':
      return before;
    case 'ALL_NEW':
      return after;
    case 'UPDATED_OLD':
      return update && before ? projectItem(before, updatedPaths(update)) : undefined;
    case 'UPDATED_NEW':
      return update ? projectItem(after, writtenPaths(update)) : undefined;
  }
}

function applied(before: Item | undefined, after: Item | undefined, attributes: Item | undefined, afterSize?: number): WriteOutcome {
  const nonEmpty = attributes && Object.keys(attributes).length > 0 ? attributes : undefined;
  return afterSize === undefined ? { status: 'applied', before, after, attributes: nonEmpty } : { status: 'applied', before, after, attributes: nonEmpty, afterSize };
}
