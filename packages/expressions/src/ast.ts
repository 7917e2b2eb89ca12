import type { AttributeValue } from '@shoal/model';

/**
 * Prepared (parsed, resolved and validated) expressions. Plain JSON-serialisable data: they
 * travel inside partition commands, so a replica evaluates exactly what the gateway validated.
 */

/** A document path: attribute names and list indexes, e.g. a.b[2] = ['a', 'b', 2]. */
export type PathElement = string | number;
export type Path = PathElement[];

export type Operand =
  | { kind: 'path'; path: Path }
  | { kind: 'value'; value: AttributeValue }
  | { kind: 'size'; operand: Operand }
  | { kind: 'ifNotExists'; path: Path; fallback: Operand }
  | { kind: 'listAppend'; left: Operand; right: Operand }
  | { kind: 'arithmetic'; operator: '+' | '-'; left: Operand; right: Operand };

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type ConditionFunctionName = 'attribute_exists' | 'attribute_not_exists' | 'attribute_type' | 'begins_with' | 'contains';

export type Condition =
  | { kind: 'comparison'; comparator: Comparator; left: Operand; right: Operand }
  | { kind: 'between'; operand: Operand; low: Operand; high: Operand }
  | { kind: 'in'; operand: Operand; list: Operand[] }
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; condition: Condition }
  | { kind: 'function'; name: ConditionFunctionName; args: Operand[] }
  /** Legacy NOT_CONTAINS, which has no expression syntax. */
  | { kind: 'notContains'; operand: Operand; value: Operand };

export interface SetAction {
  path: Path;
  value: Operand;
}

export interface ValueAction {
  path: Path;
  value: AttributeValue;
}

export interface Update {
  set: SetAction[];
  remove: Path[];
  add: ValueAction[];
  delete: ValueAction[];
  /** The legacy AttributeUpdates parameter, which has its own semantics (e.g. ADD to lists). */
  attributeUpdates?: AttributeUpdateAction[];
}

export interface AttributeUpdateAction {
  name: string;
  action: 'PUT' | 'ADD' | 'DELETE';
  value?: AttributeValue;
}

export type ProjectionPath = Path;

/** A parsed key condition; Query (its own issue) analyses it into a key range. */
export type KeyCondition = Condition;
