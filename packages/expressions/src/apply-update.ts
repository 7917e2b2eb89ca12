import { addNumbers, DynamoError, type AttributeValue, type Item } from '@shoal/model';
import type { Operand, Path, Update } from './ast.js';
import { valueAtPath, valuesEqual } from './values.js';

/**
 * Applies an update expression to an item and returns the new item; the input is not changed.
 * As in DynamoDB, every SET value is computed from the item as it was before the update, and
 * REMOVEs of list elements use the indexes of that same original list.
 */
const INVALID_PATH = 'The document path provided in the update expression is invalid for update';
const INCORRECT_TYPE = 'An operand in the update expression has an incorrect data type';
const MISSING_ATTRIBUTE = 'The provided expression refers to an attribute that does not exist in the item';

export function applyUpdate(update: Update, original: Item): Item {
  if (update.attributeUpdates) return applyAttributeUpdates(update.attributeUpdates, original);
  const values = update.set.map((action) => resolveOperand(action.value, original));
  const item = copyTouched(original, update);
  update.set.forEach((action, i) => setAtPath(item, action.path, values[i] as AttributeValue));
  for (const action of update.add) addAtPath(item, action.path, action.value);
  for (const action of update.delete) deleteFromSetAtPath(item, action.path, action.value);
  removePaths(item, update.remove);
  return item;
}

/** Paths an update leaves holding a value (for UPDATED_NEW): every updated path but REMOVEd ones. */
export function writtenPaths(update: Update): Path[] {
  const removed = new Set(update.remove);
  return updatedPaths(update).filter((path) => !removed.has(path));
}

/** Top-level-first document paths an update writes or removes. */
export function updatedPaths(update: Update): Path[] {
  return [
    ...update.set.map((action) => action.path),
    ...update.remove,
    ...update.add.map((action) => action.path),
    ...update.delete.map((action) => action.path),
    ...(update.attributeUpdates ?? []).map((action) => [action.name]),
  ];
}

const TYPE_MISMATCH = 'Type mismatch for attribute to update';

/** The legacy AttributeUpdates semantics: ADD appends to lists and unions sets; DELETE without a value removes. */
function applyAttributeUpdates(actions: NonNullable<Update['attributeUpdates']>, original: Item): Item {
  const item: Item = { ...original };
  for (const { name, action, value } of actions) {
    const existing = item[name];
    if (action === 'PUT') {
      item[name] = value as AttributeValue;
    } else if (action === 'DELETE') {
      if (!value) delete item[name];
      else if (existing !== undefined) {
        const type = Object.keys(value)[0] as 'SS' | 'NS' | 'BS';
        if (!(type in existing)) throw DynamoError.validation(TYPE_MISMATCH);
        const removed = (value as Record<string, string[]>)[type] as string[];
        const remaining = ((existing as Record<string, string[]>)[type] as string[]).filter(
          (element) => !removed.some((other) => valuesEqual(single(type, other), single(type, element))),
        );
        if (remaining.length > 0) item[name] = { [type]: remaining } as AttributeValue;
        else delete item[name];
      }
    } else {
      const added = value as AttributeValue;
      if (existing === undefined) {
        item[name] = added;
      } else if ('L' in added) {
        if (!('L' in existing)) throw DynamoError.validation(TYPE_MISMATCH);
        item[name] = { L: [...existing.L, ...added.L] };
      } else {
        const merged = { ...item };
        try {
          addAtPath(merged, [name], added);
        } catch (error) {
          if (error instanceof DynamoError && error.message === INCORRECT_TYPE) throw DynamoError.validation(TYPE_MISMATCH);
          throw error;
        }
        item[name] = merged[name] as AttributeValue;
      }
    }
  }
  return item;
}

/** A shallow copy of the item with deep copies of the top-level attributes the update changes. */
function copyTouched(original: Item, update: Update): Item {
  const item: Item = { ...original };
  for (const path of updatedPaths(update)) {
    const name = path[0] as string;
    const value = original[name];
    if (path.length > 1 && value !== undefined && item[name] === value) item[name] = structuredClone(value);
  }
  return item;
}

function resolveOperand(operand: Operand, item: Item): AttributeValue {
  switch (operand.kind) {
    case 'value':
      return operand.value;
    case 'path': {
      const value = valueAtPath(item, operand.path);
      if (value === undefined) throw DynamoError.validation(MISSING_ATTRIBUTE);
      return value;
    }
    case 'ifNotExists':
      return valueAtPath(item, operand.path) ?? resolveOperand(operand.fallback, item);
    case 'listAppend': {
      const left = resolveOperand(operand.left, item);
      const right = resolveOperand(operand.right, item);
      if (!('L' in left) || !('L' in right)) throw DynamoError.validation(INCORRECT_TYPE);
      return { L: [...left.L, ...right.L] };
    }
    case 'arithmetic': {
      const left = resolveOperand(operand.left, item);
      const right = resolveOperand(operand.right, item);
      if (!('N' in left) || !('N' in right)) throw DynamoError.validation(INCORRECT_TYPE);
      const result = addNumbers(left.N, operand.operator === '+' ? right.N : negate(right.N));
      if (!result.ok) throw DynamoError.validation(result.message);
      return { N: result.value };
    }
    case 'size':
      throw DynamoError.validation(INCORRECT_TYPE);
  }
}

function negate(number: string): string {
  if (number === '0') return number;
  return number.startsWith('-') ? number.slice(1) : `-${number}`;
}

type Container = { kind: 'map'; members: Record<string, AttributeValue> } | { kind: 'list'; elements: AttributeValue[] };

/** The map or list that holds the last step of `path`, or an invalid-path error. */
function parentOf(item: Item, path: Path): Container {
  let container: Container = { kind: 'map', members: item };
  for (let i = 0; i < path.length - 1; i++) {
    const step = path[i] as string | number;
    const next: AttributeValue | undefined =
      typeof step === 'number'
        ? container.kind === 'list' ? container.elements[step] : undefined
        : container.kind === 'map' && Object.hasOwn(container.members, step) ? container.members[step] : undefined;
    if (next !== undefined && 'M' in next) container = { kind: 'map', members: next.M };
    else if (next !== undefined && 'L' in next) container = { kind: 'list', elements: next.L };
    else throw DynamoError.validation(INVALID_PATH);
  }
  const last = path[path.length - 1] as string | number;
  if ((typeof last === 'number') !== (container.kind === 'list')) throw DynamoError.validation(INVALID_PATH);
  return container;
}

function read(container: Container, step: string | number): AttributeValue | undefined {
  if (container.kind === 'list') return container.elements[step as number];
  return Object.hasOwn(container.members, step as string) ? container.members[step as string] : undefined;
}

function write(container: Container, step: string | number, value: AttributeValue): void {
  if (container.kind === 'map') {
    // defineProperty, so that an attribute named "__proto__" is stored, not the prototype changed.
    Object.defineProperty(container.members, step as string, { value, enumerable: true, writable: true, configurable: true });
  } else if ((step as number) >= container.elements.length) {
    container.elements.push(value); // DynamoDB appends when the index is past the end.
  } else {
    container.elements[step as number] = value;
  }
}

function setAtPath(item: Item, path: Path, value: AttributeValue): void {
  write(parentOf(item, path), path[path.length - 1] as string | number, value);
}

function addAtPath(item: Item, path: Path, value: AttributeValue): void {
  const container = parentOf(item, path);
  const step = path[path.length - 1] as string | number;
  const existing = read(container, step);
  if (existing === undefined) return write(container, step, value);
  if ('N' in value && 'N' in existing) {
    const sum = addNumbers(existing.N, value.N);
    if (!sum.ok) throw DynamoError.validation(sum.message);
    return write(container, step, { N: sum.value });
  }
  for (const type of ['SS', 'NS', 'BS'] as const) {
    if (type in value && type in existing) {
      const current = (existing as Record<string, string[]>)[type] as string[];
      const added = ((value as Record<string, string[]>)[type] as string[]).filter(
        (element) => !current.some((other) => valuesEqual(single(type, other), single(type, element))),
      );
      return write(container, step, { [type]: [...current, ...added] } as AttributeValue);
    }
  }
  throw DynamoError.validation(INCORRECT_TYPE);
}

function deleteFromSetAtPath(item: Item, path: Path, value: AttributeValue): void {
  const container = parentOf(item, path);
  const step = path[path.length - 1] as string | number;
  const existing = read(container, step);
  if (existing === undefined) return;
  for (const type of ['SS', 'NS', 'BS'] as const) {
    if (type in value && type in existing) {
      const removed = (value as Record<string, string[]>)[type] as string[];
      const remaining = ((existing as Record<string, string[]>)[type] as string[]).filter(
        (element) => !removed.some((other) => valuesEqual(single(type, other), single(type, element))),
      );
      if (remaining.length > 0) return write(container, step, { [type]: remaining } as AttributeValue);
      return removeStep(container, step);
    }
  }
  throw DynamoError.validation(INCORRECT_TYPE);
}

function single(setType: 'SS' | 'NS' | 'BS', element: string): AttributeValue {
  return setType === 'SS' ? { S: element } : setType === 'NS' ? { N: element } : { B: element };
}

function removeStep(container: Container, step: string | number): void {
  if (container.kind === 'map') delete container.members[step as string];
  else if ((step as number) < container.elements.length) container.elements.splice(step as number, 1);
}

/** REMOVE: list elements go highest index first, so every index refers to the original list. */
function removePaths(item: Item, paths: Path[]): void {
  const ordered = [...paths].sort((a, b) => {
    const x = a[a.length - 1];
    const y = b[b.length - 1];
    return typeof x === 'number' && typeof y === 'number' ? y - x : 0;
  });
  for (const path of ordered) {
    removeStep(parentOf(item, path), path[path.length - 1] as string | number);
  }
}
