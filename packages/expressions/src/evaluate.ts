import type { AttributeValue, Item } from '@shoal/model';
import type { Condition, Operand } from './ast.js';
import { beginsWith, compareValues, contains, sizeOf, valueAtPath, valuesEqual } from './values.js';

/**
 * Evaluates a prepared condition against an item (undefined: the item does not exist). A
 * comparison with a missing attribute or a value of another type is false, never an error,
 * as in DynamoDB; `<>` is true in those cases.
 */
export function evaluateCondition(condition: Condition, item: Item | undefined): boolean {
  switch (condition.kind) {
    case 'and':
      return evaluateCondition(condition.left, item) && evaluateCondition(condition.right, item);
    case 'or':
      return evaluateCondition(condition.left, item) || evaluateCondition(condition.right, item);
    case 'not':
      return !evaluateCondition(condition.condition, item);
    case 'comparison':
      return compare(condition.comparator, operandValue(condition.left, item), operandValue(condition.right, item));
    case 'between': {
      const value = operandValue(condition.operand, item);
      const low = operandValue(condition.low, item);
      const high = operandValue(condition.high, item);
      if (!value || !low || !high) return false;
      const aboveLow = compareValues(value, low);
      const belowHigh = compareValues(value, high);
      return aboveLow !== undefined && belowHigh !== undefined && aboveLow >= 0 && belowHigh <= 0;
    }
    case 'in': {
      const value = operandValue(condition.operand, item);
      if (!value) return false;
      return condition.list.some((candidate) => {
        const other = operandValue(candidate, item);
        return other !== undefined && valuesEqual(value, other);
      });
    }
    case 'notContains': {
      const container = operandValue(condition.operand, item);
      const element = operandValue(condition.value, item);
      return !(container && element && contains(container, element));
    }
    case 'function':
      return evaluateFunction(condition.name, condition.args, item);
  }
}

function evaluateFunction(name: string, args: Operand[], item: Item | undefined): boolean {
  const first = operandValue(args[0] as Operand, item);
  switch (name) {
    case 'attribute_exists':
      return first !== undefined;
    case 'attribute_not_exists':
      return first === undefined;
    case 'attribute_type': {
      const type = operandValue(args[1] as Operand, item);
      return first !== undefined && type !== undefined && 'S' in type && type.S in first;
    }
    case 'begins_with': {
      const prefix = operandValue(args[1] as Operand, item);
      return first !== undefined && prefix !== undefined && beginsWith(first, prefix);
    }
    case 'contains': {
      const element = operandValue(args[1] as Operand, item);
      return first !== undefined && element !== undefined && contains(first, element);
    }
    default:
      return false;
  }
}

function compare(comparator: string, left: AttributeValue | undefined, right: AttributeValue | undefined): boolean {
  if (comparator === '=') return left !== undefined && right !== undefined && valuesEqual(left, right);
  if (comparator === '<>') return left === undefined || right === undefined || !valuesEqual(left, right);
  if (left === undefined || right === undefined) return false;
  const order = compareValues(left, right);
  if (order === undefined) return false;
  switch (comparator) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    default:
      return order >= 0;
  }
}

/** The value of a condition operand (size() yields a number), or undefined. */
export function operandValue(operand: Operand, item: Item | undefined): AttributeValue | undefined {
  switch (operand.kind) {
    case 'value':
      return operand.value;
    case 'path':
      return valueAtPath(item, operand.path);
    case 'size': {
      const value = operandValue(operand.operand, item);
      const size = value === undefined ? undefined : sizeOf(value);
      return size === undefined ? undefined : { N: String(size) };
    }
    default:
      return undefined;
  }
}
