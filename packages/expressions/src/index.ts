export type {
  Condition,
  Comparator,
  KeyCondition,
  Operand,
  Path,
  PathElement,
  ProjectionPath,
  Update,
  SetAction,
  ValueAction,
  AttributeUpdateAction,
} from './ast.js';
export { prepareExpressions, type ExpressionParameters, type PreparedExpressions } from './prepare.js';
export { evaluateCondition } from './evaluate.js';
export { applyUpdate, updatedPaths, writtenPaths } from './apply-update.js';
export { projectItem } from './projection.js';
export { compareValues, compareUtf8, valuesEqual, valueAtPath } from './values.js';
export { isReservedWord } from './reserved-words.js';
