import { ExpressionError } from './errors.js';

/**
 * Tokens of DynamoDB's expression language. Keywords (AND, SET, BETWEEN...) are identifiers that
 * the parsers recognise case-insensitively; an unknown character becomes an `invalid` token so
 * that the parser reports it as DynamoDB does, as a syntax error at that token.
 */
export type TokenType = 'identifier' | 'nameRef' | 'valueRef' | 'integer' | 'symbol' | 'invalid' | 'eof';

export interface Token {
  type: TokenType;
  text: string;
  start: number;
  end: number;
}

const TWO_CHARACTER_SYMBOLS = new Set(['<>', '<=', '>=']);
const ONE_CHARACTER_SYMBOLS = new Set(['(', ')', '[', ']', ',', '.', '=', '<', '>', '+', '-']);

function isWordCharacter(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

function isIdentifierStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

function isWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const code = source.charCodeAt(i);
    if (isWhitespace(code)) {
      i++;
      continue;
    }
    const start = i;
    let type: TokenType;
    if (isIdentifierStart(code)) {
      while (i < source.length && isWordCharacter(source.charCodeAt(i))) i++;
      type = 'identifier';
    } else if (code >= 48 && code <= 57) {
      while (i < source.length && source.charCodeAt(i) >= 48 && source.charCodeAt(i) <= 57) i++;
      type = 'integer';
    } else if ((code === 35 || code === 58) && i + 1 < source.length && isWordCharacter(source.charCodeAt(i + 1))) {
      i++;
      while (i < source.length && isWordCharacter(source.charCodeAt(i))) i++;
      type = code === 35 ? 'nameRef' : 'valueRef';
    } else if (TWO_CHARACTER_SYMBOLS.has(source.slice(i, i + 2))) {
      i += 2;
      type = 'symbol';
    } else if (ONE_CHARACTER_SYMBOLS.has(source[i] as string)) {
      i++;
      type = 'symbol';
    } else {
      // One whole code point, so that a surrogate pair is reported intact.
      i += code >= 0xd800 && code <= 0xdbff && i + 1 < source.length ? 2 : 1;
      type = 'invalid';
    }
    tokens.push({ type, text: source.slice(start, i), start, end: i });
  }
  tokens.push({ type: 'eof', text: '<EOF>', start: source.length, end: source.length });
  return tokens;
}

/** A cursor over tokens with DynamoDB-style syntax errors. */
export class TokenStream {
  private position = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  static of(source: string): TokenStream {
    return new TokenStream(source, tokenize(source));
  }

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.position + offset, this.tokens.length - 1)] as Token;
  }

  next(): Token {
    const token = this.peek();
    if (this.position < this.tokens.length - 1) this.position++;
    return token;
  }

  atEnd(): boolean {
    return this.peek().type === 'eof';
  }

  isSymbol(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.type === 'symbol' && token.text === text;
  }

  isKeyword(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.type === 'identifier' && token.text.toUpperCase() === word;
  }

  expectSymbol(text: string): Token {
    if (!this.isSymbol(text)) throw this.syntaxError();
    return this.next();
  }

  expectKeyword(word: string): Token {
    if (!this.isKeyword(word)) throw this.syntaxError();
    return this.next();
  }

  /** `Syntax error; token: "x", near: "a x b"`: the token with its neighbours, as written. */
  syntaxError(): ExpressionError {
    const index = Math.min(this.position, this.tokens.length - 1);
    const token = this.tokens[index] as Token;
    const previous = index > 0 ? (this.tokens[index - 1] as Token) : token;
    const following = this.tokens[index + 1];
    const end = following && following.type !== 'eof' ? following.end : token.end;
    const near = this.source.slice(previous.start, end);
    return new ExpressionError(`Syntax error; token: "${token.text}", near: "${near}"`);
  }
}
