import type { AttributeValue } from '@shoal/model';
import type { Path } from './ast.js';
import { isReservedWord } from './reserved-words.js';
import type { TokenStream } from './lexer.js';

/**
 * Placeholder resolution for one request: every #name and :value an expression uses is looked
 * up here and marked used, so that unused placeholders can be reported after all expressions of
 * the request are parsed.
 */
export class ResolveContext {
  readonly unusedNames: Set<string>;
  readonly unusedValues: Set<string>;

  constructor(
    private readonly names: Record<string, string> | undefined,
    private readonly values: Record<string, AttributeValue> | undefined,
  ) {
    this.unusedNames = new Set(names ? Object.keys(names) : []);
    this.unusedValues = new Set(values ? Object.keys(values) : []);
  }

  name(reference: string): string | undefined {
    const resolved = this.names && Object.hasOwn(this.names, reference) ? this.names[reference] : undefined;
    if (resolved !== undefined) this.unusedNames.delete(reference);
    return resolved;
  }

  value(reference: string): AttributeValue | undefined {
    const resolved = this.values && Object.hasOwn(this.values, reference) ? this.values[reference] : undefined;
    if (resolved !== undefined) this.unusedValues.delete(reference);
    return resolved;
  }
}

/**
 * DynamoDB reports one semantic error per expression, chosen by a fixed priority among the
 * kinds of error found; the collector keeps the first error of each kind.
 */
export class ErrorCollector {
  private readonly found = new Map<string, string>();

  note(category: string, message: string): void {
    if (!this.found.has(category)) this.found.set(category, message);
  }

  has(category: string): boolean {
    return this.found.has(category);
  }

  /** The earliest-noted error among `categories` (they share one priority). */
  earliest(categories: readonly string[]): string | undefined {
    for (const [category, message] of this.found) if (categories.includes(category)) return message;
    return undefined;
  }

  first(order: readonly string[]): string | undefined {
    for (const category of order) {
      const message = this.found.get(category);
      if (message !== undefined) return message;
    }
    return undefined;
  }
}

export const UNDEFINED_NAME = 'undefinedName';
export const UNDEFINED_VALUE = 'undefinedValue';
export const RESERVED = 'reserved';

/** Parses a document path: names, #placeholders, `.member` and `[index]` steps. */
export function parsePath(stream: TokenStream, context: ResolveContext, errors: ErrorCollector): Path {
  const path: Path = [parsePathName(stream, context, errors)];
  for (;;) {
    if (stream.isSymbol('.')) {
      stream.next();
      path.push(parsePathName(stream, context, errors));
    } else if (stream.isSymbol('[')) {
      stream.next();
      const index = stream.peek();
      if (index.type !== 'integer') throw stream.syntaxError();
      stream.next();
      stream.expectSymbol(']');
      path.push(Number(index.text));
    } else {
      return path;
    }
  }
}

function parsePathName(stream: TokenStream, context: ResolveContext, errors: ErrorCollector): string {
  const token = stream.peek();
  if (token.type === 'identifier') {
    stream.next();
    if (isReservedWord(token.text)) errors.note(RESERVED, `Attribute name is a reserved keyword; reserved keyword: ${token.text}`);
    return token.text;
  }
  if (token.type === 'nameRef') {
    stream.next();
    const resolved = context.name(token.text);
    if (resolved === undefined) {
      errors.note(UNDEFINED_NAME, `An expression attribute name used in the document path is not defined; attribute name: ${token.text}`);
      return '';
    }
    return resolved;
  }
  throw stream.syntaxError();
}

/** Resolves a :value token; undefined placeholders are noted and stand in as NULL. */
export function resolveValue(text: string, context: ResolveContext, errors: ErrorCollector): AttributeValue {
  const value = context.value(text);
  if (value === undefined) {
    errors.note(UNDEFINED_VALUE, `An expression attribute value used in expression is not defined; attribute value: ${text}`);
    return { NULL: true };
  }
  return value;
}

export function describeType(value: AttributeValue): string {
  for (const type in value) return type;
  return 'NULL';
}
