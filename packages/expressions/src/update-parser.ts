import type { Operand, Path, Update } from './ast.js';
import { describePath, ExpressionError } from './errors.js';
import type { TokenStream } from './lexer.js';
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
 * Update expressions:
 *
 *   update  := section+, each of SET, REMOVE, ADD, DELETE at most once, in any order
 *   SET     path '=' value (',' ...)*    value := operand [('+' | '-') operand]
 *   operand := path | :value | if_not_exists '(' path ',' operand ')' | list_append '(' operand ',' operand ')'
 *   REMOVE  path (',' path)*
 *   ADD     path :value (',' ...)*       DELETE path :value (',' ...)*
 */
const SECTIONS = new Set(['SET', 'REMOVE', 'ADD', 'DELETE']);
const FUNCTION_ARITY: Record<string, number> = { if_not_exists: 2, list_append: 2 };
const TYPE_NAMES: Record<string, string> = { S: 'STRING', N: 'NUMBER', B: 'BINARY', NULL: 'NULL', BOOL: 'BOOLEAN', L: 'LIST', M: 'MAP' };

const UNKNOWN_FUNCTION = 'unknownFunction';
const SECTION = 'section';
const PATH_OVERLAP = 'pathOverlap';
const PATH_CONFLICT = 'pathConflict';
const OPERAND = 'operand';
const FUNCTION = 'function';
const ERROR_ORDER = [RESERVED, UNKNOWN_FUNCTION, SECTION, UNDEFINED_NAME, UNDEFINED_VALUE, PATH_OVERLAP, PATH_CONFLICT, OPERAND, FUNCTION];

export function parseUpdate(stream: TokenStream, context: ResolveContext): Update {
  const parser = new UpdateParser(stream, context);
  const update = parser.parse();
  const message = parser.errors.first(ERROR_ORDER);
  if (message !== undefined) throw new ExpressionError(message);
  return update;
}

/** Checks a set of document paths for overlaps and conflicts, as updates and projections must. */
export class PathSet {
  private readonly paths: Path[] = [];
  constructor(private readonly errors: ErrorCollector) {}

  add(path: Path): void {
    if (this.errors.has(PATH_OVERLAP)) return;
    for (const other of this.paths) {
      if (this.check(other, path)) break;
    }
    this.paths.push(path);
  }

  /** Returns true when an error was noted. */
  private check(one: Path, two: Path): boolean {
    const length = Math.min(one.length, two.length);
    for (let i = 0; i < length; i++) {
      if (typeof one[i] !== typeof two[i]) {
        this.errors.note(PATH_CONFLICT, `Two document paths conflict with each other; must remove or rewrite one of these paths; path one: ${describePath(one)}, path two: ${describePath(two)}`);
        return false;
      }
      if (one[i] !== two[i]) return false;
    }
    this.errors.note(PATH_OVERLAP, `Two document paths overlap with each other; must remove or rewrite one of these paths; path one: ${describePath(one)}, path two: ${describePath(two)}`);
    return true;
  }
}

class UpdateParser {
  readonly errors = new ErrorCollector();
  private readonly paths = new PathSet(this.errors);
  private readonly seenSections = new Set<string>();

  constructor(
    private readonly stream: TokenStream,
    private readonly context: ResolveContext,
  ) {}

  parse(): Update {
    const update: Update = { set: [], remove: [], add: [], delete: [] };
    do {
      const token = this.stream.peek();
      const section = token.type === 'identifier' ? token.text.toUpperCase() : '';
      if (!SECTIONS.has(section)) throw this.stream.syntaxError();
      this.stream.next();
      if (this.seenSections.has(section)) {
        this.errors.note(SECTION, `The "${section}" section can only be used once in an update expression;`);
      }
      this.seenSections.add(section);
      do {
        if (section === 'SET') update.set.push(this.parseSetAction());
        else if (section === 'REMOVE') update.remove.push(this.parseTargetPath());
        else {
          const path = this.parseTargetPath();
          const token = this.stream.peek();
          if (token.type !== 'valueRef') throw this.stream.syntaxError();
          this.stream.next();
          const value = resolveValue(token.text, this.context, this.errors);
          this.checkSetOperand(section, describeType(value));
          (section === 'ADD' ? update.add : update.delete).push({ path, value });
        }
      } while (this.stream.isSymbol(',') && this.stream.next());
    } while (!this.stream.atEnd());
    return update;
  }

  private parseTargetPath(): Path {
    const path = parsePath(this.stream, this.context, this.errors);
    this.paths.add(path);
    return path;
  }

  private parseSetAction(): { path: Path; value: Operand } {
    const path = this.parseTargetPath();
    this.stream.expectSymbol('=');
    let value = this.parseOperand();
    if (this.stream.isSymbol('+') || this.stream.isSymbol('-')) {
      const operator = this.stream.next().text as '+' | '-';
      const right = this.parseOperand();
      for (const operand of [value, right]) {
        if (operand.kind === 'value' && !('N' in operand.value)) {
          this.errors.note(FUNCTION, `Incorrect operand type for operator or function; operator or function: ${operator}, operand type: ${describeType(operand.value)}`);
        }
      }
      value = { kind: 'arithmetic', operator, left: value, right };
    }
    return { path, value };
  }

  private parseOperand(): Operand {
    const token = this.stream.peek();
    if (token.type === 'valueRef') {
      this.stream.next();
      return { kind: 'value', value: resolveValue(token.text, this.context, this.errors) };
    }
    if (token.type === 'identifier' && this.stream.isSymbol('(', 1)) return this.parseFunction();
    return { kind: 'path', path: parsePath(this.stream, this.context, this.errors) };
  }

  private parseFunction(): Operand {
    const name = this.stream.next().text;
    this.stream.expectSymbol('(');
    const args = [this.parseOperand()];
    while (this.stream.isSymbol(',')) {
      this.stream.next();
      args.push(this.parseOperand());
    }
    this.stream.expectSymbol(')');
    const placeholder: Operand = { kind: 'value', value: { NULL: true } };
    const arity = FUNCTION_ARITY[name];
    if (arity === undefined) {
      this.errors.note(UNKNOWN_FUNCTION, `Invalid function name; function: ${name}`);
      return placeholder;
    }
    if (args.length !== arity) {
      this.errors.note(FUNCTION, `Incorrect number of operands for operator or function; operator or function: ${name}, number of operands: ${args.length}`);
      return placeholder;
    }
    const [first, second] = args as [Operand, Operand];
    if (name === 'if_not_exists') {
      if (first.kind !== 'path') {
        this.errors.note(FUNCTION, `Operator or function requires a document path; operator or function: ${name}`);
        return placeholder;
      }
      return { kind: 'ifNotExists', path: first.path, fallback: second };
    }
    for (const operand of args) {
      if (operand.kind === 'value' && !('L' in operand.value)) {
        this.errors.note(FUNCTION, `Incorrect operand type for operator or function; operator or function: ${name}, operand type: ${describeType(operand.value)}`);
      }
    }
    return { kind: 'listAppend', left: first, right: second };
  }

  private checkSetOperand(section: string, type: string): void {
    const typeName = TYPE_NAMES[type];
    if (typeName && !(section === 'ADD' && type === 'N')) {
      this.errors.note(OPERAND, `Incorrect operand type for operator or function; operator: ${section}, operand type: ${typeName}`);
    }
  }
}
