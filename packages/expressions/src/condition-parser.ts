import type { Comparator, Condition, ConditionFunctionName, Operand } from './ast.js';
import { describePath, ExpressionError } from './errors.js';
import type { TokenStream } from './lexer.js';
import { compareValues } from './values.js';
import {
  describeType,
  ErrorCollector,
  parsePath,
  RESERVED,
  resolveValue,
  UNDEFINED_NAME,
  UNDEFINED_VALUE,
  type ResolveContext,
} from './resolve-context.js';

/**
 * Condition, filter and key-condition expressions:
 *
 *   condition := or;  or := and (OR and)*;  and := not (AND not)*;  not := NOT not | primary
 *   primary   := '(' condition ')' | function '(' operands ')'
 *              | operand comparator operand | operand BETWEEN operand AND operand
 *              | operand IN '(' operand (',' operand)* ')'
 *   operand   := path | :value | size '(' operand ')'
 *
 * Syntax errors are thrown at once; semantic errors are collected and the one DynamoDB would
 * report is chosen by priority when parsing is complete.
 */
const COMPARATORS = new Set<string>(['=', '<>', '<', '<=', '>', '>=']);
const FUNCTION_ARITY: Record<string, number> = {
  attribute_exists: 1,
  attribute_not_exists: 1,
  attribute_type: 2,
  begins_with: 2,
  contains: 2,
  size: 1,
};
const ATTRIBUTE_TYPE_NAMES = new Set(['S', 'N', 'B', 'NULL', 'SS', 'BOOL', 'L', 'BS', 'NS', 'M']);
/** DynamoDB's limit on the operands of IN. */
export const IN_OPERANDS_MAX = 100;

const PARENS = 'parens';
const UNKNOWN_FUNCTION = 'unknownFunction';
const MISUSED_FUNCTION = 'misusedFunction';
const OPERAND_COUNT = 'operandCount';
const DISTINCT = 'distinct';
const FUNCTION_TYPES = 'functionTypes';

export function parseCondition(stream: TokenStream, context: ResolveContext): Condition {
  const parser = new ConditionParser(stream, context);
  const condition = parser.parseOr();
  if (!stream.atEnd()) throw stream.syntaxError();
  const message = parser.errors.first([PARENS, UNKNOWN_FUNCTION, MISUSED_FUNCTION, RESERVED]) ??
    parser.errors.earliest([UNDEFINED_NAME, UNDEFINED_VALUE]) ??
    parser.errors.first([OPERAND_COUNT, DISTINCT, FUNCTION_TYPES]);
  if (message !== undefined) throw new ExpressionError(message);
  return strip(condition);
}

type Parsed = Condition & { parenthesized?: boolean };

class ConditionParser {
  readonly errors = new ErrorCollector();

  constructor(
    private readonly stream: TokenStream,
    private readonly context: ResolveContext,
  ) {}

  parseOr(): Parsed {
    let condition = this.parseAnd();
    while (this.stream.isKeyword('OR')) {
      this.stream.next();
      condition = { kind: 'or', left: strip(condition), right: strip(this.parseAnd()) };
    }
    return condition;
  }

  private parseAnd(): Parsed {
    let condition = this.parseNot();
    while (this.stream.isKeyword('AND')) {
      this.stream.next();
      condition = { kind: 'and', left: strip(condition), right: strip(this.parseNot()) };
    }
    return condition;
  }

  private parseNot(): Parsed {
    if (this.stream.isKeyword('NOT')) {
      this.stream.next();
      return { kind: 'not', condition: strip(this.parseNot()) };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Parsed {
    if (this.stream.isSymbol('(')) {
      this.stream.next();
      const inner = this.parseOr();
      this.stream.expectSymbol(')');
      if (inner.parenthesized) this.errors.note(PARENS, 'The expression has redundant parentheses;');
      return { ...inner, parenthesized: true };
    }
    const token = this.stream.peek();
    if (token.type === 'identifier' && this.stream.isSymbol('(', 1) && token.text !== 'size') {
      const call = this.parseFunctionCall();
      if (this.startsComparison()) {
        this.errors.note(MISUSED_FUNCTION, `The function is not allowed to be used this way in an expression; function: ${call.name}`);
        return this.parseComparisonRest({ kind: 'value', value: { NULL: true } });
      }
      return call.condition ?? { kind: 'function', name: 'attribute_exists', args: [] };
    }
    const left = this.parseOperand();
    if (!this.startsComparison()) {
      if (left.kind === 'size' && this.stream.atEnd()) {
        this.errors.note(MISUSED_FUNCTION, 'The function is not allowed to be used this way in an expression; function: size');
        return { kind: 'function', name: 'attribute_exists', args: [] };
      }
      throw this.stream.syntaxError();
    }
    return this.parseComparisonRest(left);
  }

  private startsComparison(): boolean {
    const token = this.stream.peek();
    return (token.type === 'symbol' && COMPARATORS.has(token.text)) || this.stream.isKeyword('BETWEEN') || this.stream.isKeyword('IN');
  }

  private parseComparisonRest(left: Operand): Parsed {
    if (this.stream.isKeyword('BETWEEN')) {
      this.stream.next();
      const low = this.parseOperand();
      this.stream.expectKeyword('AND');
      const high = this.parseOperand();
      this.checkBetweenBounds(low, high);
      return { kind: 'between', operand: left, low, high };
    }
    if (this.stream.isKeyword('IN')) {
      this.stream.next();
      this.stream.expectSymbol('(');
      const list = [this.parseOperand()];
      while (this.stream.isSymbol(',')) {
        this.stream.next();
        list.push(this.parseOperand());
      }
      this.stream.expectSymbol(')');
      if (list.length > IN_OPERANDS_MAX) {
        this.errors.note(OPERAND_COUNT, `Too many operands for IN operator; maximum: ${IN_OPERANDS_MAX}, found: ${list.length}`);
      }
      return { kind: 'in', operand: left, list };
    }
    const comparator = this.stream.next().text as Comparator;
    const right = this.parseOperand();
    this.checkDistinct(comparator, [left, right]);
    return { kind: 'comparison', comparator, left, right };
  }

  private parseOperand(): Operand {
    const token = this.stream.peek();
    if (token.type === 'valueRef') {
      this.stream.next();
      return { kind: 'value', value: resolveValue(token.text, this.context, this.errors) };
    }
    if (token.type === 'identifier' && this.stream.isSymbol('(', 1)) {
      const call = this.parseFunctionCall();
      if (call.name === 'size' && call.args.length === 1) return { kind: 'size', operand: call.args[0] as Operand };
      if (call.name !== 'size' && FUNCTION_ARITY[call.name] !== undefined) {
        this.errors.note(MISUSED_FUNCTION, `The function is not allowed to be used this way in an expression; function: ${call.name}`);
      }
      return { kind: 'value', value: { NULL: true } };
    }
    return { kind: 'path', path: parsePath(this.stream, this.context, this.errors) };
  }

  /** name '(' operand (',' operand)* ')', with DynamoDB's checks of arity and operand types. */
  private parseFunctionCall(): { name: string; args: Operand[]; condition?: Condition } {
    const name = this.stream.next().text;
    this.stream.expectSymbol('(');
    const args = [this.parseOperand()];
    while (this.stream.isSymbol(',')) {
      this.stream.next();
      args.push(this.parseOperand());
    }
    this.stream.expectSymbol(')');
    const arity = FUNCTION_ARITY[name];
    if (arity === undefined) {
      this.errors.note(UNKNOWN_FUNCTION, `Invalid function name; function: ${name}`);
      return { name, args };
    }
    if (arity !== args.length) {
      this.errors.note(OPERAND_COUNT, `Incorrect number of operands for operator or function; operator or function: ${name}, number of operands: ${args.length}`);
      return { name, args };
    }
    this.checkDistinct(name, args);
    this.checkFunctionOperands(name, args);
    if (name === 'size') return { name, args };
    return { name, args, condition: { kind: 'function', name: name as ConditionFunctionName, args } };
  }

  private checkFunctionOperands(name: string, args: Operand[]): void {
    const typeOf = (operand: Operand | undefined): string | undefined =>
      operand?.kind === 'value' ? describeType(operand.value) : operand?.kind === 'size' ? 'N' : undefined;
    const incorrect = (type: string) =>
      this.errors.note(FUNCTION_TYPES, `Incorrect operand type for operator or function; operator or function: ${name}, operand type: ${type}`);
    switch (name) {
      case 'attribute_exists':
      case 'attribute_not_exists':
        if (args[0]?.kind !== 'path') {
          this.errors.note(FUNCTION_TYPES, `Operator or function requires a document path; operator or function: ${name}`);
        }
        return;
      case 'begins_with':
        for (const arg of args) {
          const type = typeOf(arg);
          if (type && type !== 'S' && type !== 'B') return incorrect(type);
        }
        return;
      case 'attribute_type': {
        const type = typeOf(args[1]);
        if (type !== 'S') return incorrect(type ?? '{NS,SS,L,BS,N,M,B,BOOL,NULL,S}');
        const typeName = (args[1] as { value: { S: string } }).value.S;
        if (!ATTRIBUTE_TYPE_NAMES.has(typeName)) {
          this.errors.note(FUNCTION_TYPES, `Invalid attribute type name found; type: ${typeName}, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}`);
        }
        return;
      }
      case 'size': {
        const type = typeOf(args[0]);
        if (type === 'N' || type === 'BOOL' || type === 'NULL') incorrect(type);
        return;
      }
    }
  }

  private checkDistinct(name: string, args: Operand[]): void {
    const [first, second] = args;
    if (args.length !== 2 || first?.kind !== 'path' || second?.kind !== 'path') return;
    if (first.path.length !== second.path.length || first.path.some((element, i) => element !== second.path[i])) return;
    this.errors.note(
      DISTINCT,
      `The first operand must be distinct from the remaining operands for this operator or function; operator: ${name}, first operand: ${describePath(first.path)}`,
    );
  }

  private checkBetweenBounds(low: Operand, high: Operand): void {
    if (low.kind !== 'value' || high.kind !== 'value') return;
    const lowType = describeType(low.value);
    const highType = describeType(high.value);
    const bounds = `lower bound operand: AttributeValue: {${lowType}:${scalarText(low.value)}}, upper bound operand: AttributeValue: {${highType}:${scalarText(high.value)}}`;
    if (lowType !== highType) {
      this.errors.note(FUNCTION_TYPES, `The BETWEEN operator requires same data type for lower and upper bounds; ${bounds}`);
    } else if ((compareValues(low.value, high.value) ?? 0) > 0) {
      this.errors.note(FUNCTION_TYPES, `The BETWEEN operator requires upper bound to be greater than or equal to lower bound; ${bounds}`);
    }
  }
}

function scalarText(value: object): string {
  for (const key in value) return String((value as Record<string, unknown>)[key]);
  return '';
}

function strip(condition: Parsed): Condition {
  if (!condition.parenthesized) return condition;
  const { parenthesized: _, ...rest } = condition;
  return rest as Condition;
}
