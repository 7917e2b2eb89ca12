/**
 * The head of an HTTP/1.1 request (RFC 9112): request line and header fields, parsed from the
 * bytes before the blank line. Pure: no sockets, so it can be fuzzed on its own. Strict where
 * leniency lets requests be smuggled or misframed: no obs-fold, no space before a colon, a
 * Content-Length of digits only (repeats must agree), and never both Content-Length and
 * Transfer-Encoding.
 */

export interface RequestHead {
  method: string;
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minorVersion: 0 | 1;
  /** Lower-cased names; repeated fields joined with ", " (as node:http does for most). */
  headers: Map<string, string>;
  /** Body framing: a length (0 when there is no body) or chunked transfer coding. */
  body: { kind: 'length'; bytes: number } | { kind: 'chunked' };
  /** Whether the connection stays open after the response (HTTP/1.1 default; 1.0 only on request). */
  keepAlive: boolean;
  /** `Expect: 100-continue`: the client waits for an interim response before sending its body. */
  expectsContinue: boolean;
}

export interface HeadError {
  error: 400 | 501 | 505;
  reason: string;
}

/** The longest Content-Length we read as a number; anything longer is past every body limit. */
const CONTENT_LENGTH_DIGITS_MAX = 15;

/** RFC 9110 token bytes (methods, field names): ! # $ % & ' * + - . ^ _ ` | ~ DIGIT ALPHA. */
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TOKEN[c.charCodeAt(0)] = 1;
const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;
const DIGITS = /^\d+$/;
const VERSION = /^HTTP\/\d\.\d$/;

/** Field values: visible bytes, space, tab and obs-text; no control characters (so no CR or LF). */
function isFieldValue(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = bytes[i]!;
    if ((c < SP && c !== HTAB) || c === 0x7f) return false;
  }
  return true;
}

/** End of the line starting at `from` (the index of its CR), or `end` for the last line. */
function lineEnd(bytes: Buffer, from: number, end: number): number {
  const at = bytes.indexOf(CR, from);
  return at < 0 || at >= end ? end : at;
}

/**
 * Parses the request head in `bytes[start, end)`: every line but the last ends in CRLF, and
 * `end` is where the CRLF CRLF that ends the head begins. One pass over the bytes; strings are
 * made only for the method, target and each field's name and value (decoded as latin1, as
 * node:http does).
 */
export function parseRequestHead(bytes: Buffer, start: number, end: number): RequestHead | HeadError {
  // Request line: method SP request-target SP HTTP-version.
  const firstEnd = lineEnd(bytes, start, end);
  if (firstEnd < end && bytes[firstEnd + 1] !== LF) return { error: 400, reason: 'bare CR in request head' };
  let at = start;
  while (at < firstEnd && TOKEN[bytes[at]!] === 1) at++;
  if (at === start || at === firstEnd || bytes[at] !== SP) return { error: 400, reason: at < firstEnd && bytes[at] === SP ? 'malformed request line' : 'malformed method' };
  const method = bytes.toString('latin1', start, at);
  const targetStart = ++at;
  while (at < firstEnd && bytes[at]! > SP && bytes[at]! < 0x7f) at++;
  if (at === targetStart || at === firstEnd) return { error: 400, reason: 'malformed request line' };
  if (bytes[at] !== SP) return { error: 400, reason: 'malformed request target' };
  const target = bytes.toString('latin1', targetStart, at);
  const version = bytes.toString('latin1', at + 1, firstEnd);
  if (!VERSION.test(version)) return { error: 400, reason: bytes.indexOf(SP, at + 1) >= 0 && bytes.indexOf(SP, at + 1) < firstEnd ? 'malformed request line' : 'malformed HTTP version' };
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') return { error: 505, reason: `unsupported version ${version}` };

  const headers = new Map<string, string>();
  let contentLength: string | undefined;
  for (let line = firstEnd + 2; line < end; ) {
    const next = lineEnd(bytes, line, end);
    if (next < end && bytes[next + 1] !== LF) return { error: 400, reason: 'bare CR in request head' };
    const first = bytes[line]!;
    if (first === SP || first === HTAB) return { error: 400, reason: 'obsolete line folding' };
    let colon = line;
    while (colon < next && TOKEN[bytes[colon]!] === 1) colon++;
    if (colon === next) return { error: 400, reason: 'malformed header field' };
    if (colon === line || bytes[colon] !== COLON) return { error: 400, reason: 'malformed header name' };
    let valueStart = colon + 1;
    let valueEnd = next;
    while (valueStart < valueEnd && (bytes[valueStart] === SP || bytes[valueStart] === HTAB)) valueStart++;
    while (valueEnd > valueStart && (bytes[valueEnd - 1] === SP || bytes[valueEnd - 1] === HTAB)) valueEnd--;
    if (!isFieldValue(bytes, valueStart, valueEnd)) return { error: 400, reason: 'control character in header value' };
    const key = bytes.toString('latin1', line, colon).toLowerCase();
    const value = bytes.toString('latin1', valueStart, valueEnd);
    line = next + 2;
    if (key === 'content-length') {
      if (!DIGITS.test(value)) return { error: 400, reason: 'malformed Content-Length' };
      if (contentLength !== undefined && contentLength !== value) return { error: 400, reason: 'conflicting Content-Length' };
      contentLength = value;
      headers.set(key, value);
      continue;
    }
    const previous = headers.get(key);
    headers.set(key, previous === undefined ? value : `${previous}, ${value}`);
  }

  const minorVersion = version === 'HTTP/1.1' ? 1 : 0;
  let body: RequestHead['body'];
  const transferEncoding = headers.get('transfer-encoding');
  if (transferEncoding !== undefined) {
    if (contentLength !== undefined) return { error: 400, reason: 'both Content-Length and Transfer-Encoding' };
    if (minorVersion === 0) return { error: 400, reason: 'Transfer-Encoding in an HTTP/1.0 request' };
    const codings = transferEncoding.toLowerCase().split(',').map((coding) => coding.trim());
    if (codings.length !== 1 || codings[0] !== 'chunked') return { error: 501, reason: `unsupported transfer coding ${transferEncoding}` };
    body = { kind: 'chunked' };
  } else if (contentLength !== undefined) {
    const digits = contentLength.replace(/^0+(?=\d)/, '');
    body = { kind: 'length', bytes: digits.length > CONTENT_LENGTH_DIGITS_MAX ? Number.MAX_SAFE_INTEGER : Number(digits) };
  } else {
    body = { kind: 'length', bytes: 0 };
  }

  const connection = (headers.get('connection') ?? '').toLowerCase();
  const keepAlive = minorVersion === 1 ? !/(^|,)\s*close\s*(,|$)/.test(connection) : /(^|,)\s*keep-alive\s*(,|$)/.test(connection);
  const expect = headers.get('expect');
  const expectsContinue = minorVersion === 1 && expect !== undefined && expect.toLowerCase() === '100-continue';
  return { method, target, minorVersion, headers, body, keepAlive, expectsContinue };
}

export function isHeadError(result: RequestHead | HeadError): result is HeadError {
  return 'error' in result;
}
