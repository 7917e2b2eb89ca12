import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRequestHead as parseBytes } from '../src/http1/request-head.js';

/** The parser reads a head out of a larger buffer: put bytes around it to check it stays inside. */
function parseRequestHead(text: string) {
  const bytes = Buffer.from(`xx${text}\r\n\r\nPOST /next HTTP/1.1`, 'latin1');
  return parseBytes(bytes, 2, 2 + Buffer.byteLength(text, 'latin1'));
}

const head = (...lines: string[]) => lines.join('\r\n');

describe('parseRequestHead', () => {
  it('parses a DynamoDB request head', () => {
    const parsed = parseRequestHead(
      head(
        'POST / HTTP/1.1',
        'Host: localhost:8000',
        'Content-Type: application/x-amz-json-1.0',
        'X-Amz-Target: DynamoDB_20120810.GetItem',
        'Content-Length: 0042',
        'X-Custom:   padded value  ',
        'x-custom: second',
      ),
    );
    expect(parsed).toEqual({
      method: 'POST',
      target: '/',
      minorVersion: 1,
      headers: new Map([
        ['host', 'localhost:8000'],
        ['content-type', 'application/x-amz-json-1.0'],
        ['x-amz-target', 'DynamoDB_20120810.GetItem'],
        ['content-length', '0042'],
        ['x-custom', 'padded value, second'],
      ]),
      body: { kind: 'length', bytes: 42 },
      keepAlive: true,
      expectsContinue: false,
    });
  });

  it('reads the connection, expectation and framing fields', () => {
    expect(parseRequestHead(head('GET /?a=b HTTP/1.0'))).toMatchObject({ minorVersion: 0, keepAlive: false, body: { kind: 'length', bytes: 0 } });
    expect(parseRequestHead(head('GET / HTTP/1.0', 'Connection: Keep-Alive'))).toMatchObject({ keepAlive: true });
    expect(parseRequestHead(head('GET / HTTP/1.1', 'Connection: TE, close'))).toMatchObject({ keepAlive: false });
    expect(parseRequestHead(head('GET / HTTP/1.1', 'Connection: closed'))).toMatchObject({ keepAlive: true });
    expect(parseRequestHead(head('POST / HTTP/1.1', 'Expect: 100-Continue', 'Content-Length: 5'))).toMatchObject({ expectsContinue: true });
    expect(parseRequestHead(head('POST / HTTP/1.0', 'Expect: 100-continue', 'Content-Length: 5'))).toMatchObject({ expectsContinue: false });
    expect(parseRequestHead(head('POST / HTTP/1.1', 'Transfer-Encoding: Chunked'))).toMatchObject({ body: { kind: 'chunked' } });
    expect(parseRequestHead(head('POST / HTTP/1.1', 'Content-Length: 7', 'Content-Length: 7'))).toMatchObject({ body: { kind: 'length', bytes: 7 } });
    expect(parseRequestHead(head('POST / HTTP/1.1', 'Content-Length: 99999999999999999999'))).toMatchObject({ body: { kind: 'length', bytes: Number.MAX_SAFE_INTEGER } });
  });

  it.each([
    [head('POST /  HTTP/1.1'), 400, 'malformed request line'],
    [head('POST / HTTP/1.1 extra'), 400, 'malformed request line'],
    [head('PO(ST / HTTP/1.1'), 400, 'malformed method'],
    [head('POST /\u00e9 HTTP/1.1'), 400, 'malformed request target'],
    [head('POST / HTTP/1.x'), 400, 'malformed HTTP version'],
    [head('POST / HTTP/2.0'), 505, 'unsupported version HTTP/2.0'],
    [head('POST / HTTP/1.1', 'Host: a', ' folded'), 400, 'obsolete line folding'],
    [head('POST / HTTP/1.1', 'Host : a'), 400, 'malformed header name'],
    [head('POST / HTTP/1.1', ': a'), 400, 'malformed header name'],
    [head('POST / HTTP/1.1', 'no colon'), 400, 'malformed header name'],
    [head('POST / HTTP/1.1', 'nocolon'), 400, 'malformed header field'],
    [head('POST / HTTP/1.1', 'Content-Length: -1'), 400, 'malformed Content-Length'],
    [head('POST / HTTP/1.1', 'Content-Length: 1, 1'), 400, 'malformed Content-Length'],
    [head('POST / HTTP/1.1', 'Content-Length: 1', 'Content-Length: 2'), 400, 'conflicting Content-Length'],
    [head('POST / HTTP/1.1', 'Content-Length: 1', 'Transfer-Encoding: chunked'), 400, 'both Content-Length and Transfer-Encoding'],
    [head('POST / HTTP/1.0', 'Transfer-Encoding: chunked'), 400, 'Transfer-Encoding in an HTTP/1.0 request'],
    [head('POST / HTTP/1.1', 'Transfer-Encoding: gzip, chunked'), 501, 'unsupported transfer coding gzip, chunked'],
    [head('POST / HTTP/1.1', 'Host: a\nX: b'), 400, 'control character in header value'],
    [head('POST / HTTP/1.1', 'Host: a\rX: b'), 400, 'bare CR in request head'],
    [head('POST / HTTP/1.1\rHost: a'), 400, 'bare CR in request head'],
    [head('POST / HTTP/1.1', 'Ho\nst: a'), 400, 'malformed header name'],
    [head('POST /a\nb HTTP/1.1'), 400, 'malformed request target'],
    [head('POST / HTTP/1.1', 'Host: a\u0000'), 400, 'control character in header value'],
    [head('POST / HTTP/1.1', 'Host: a\u007f'), 400, 'control character in header value'],
  ])('refuses %j', (text, error, reason) => {
    expect(parseRequestHead(text)).toEqual({ error, reason });
  });

  it('keeps a "__proto__" field as a field', () => {
    const parsed = parseRequestHead(head('GET / HTTP/1.1', '__proto__: x', 'constructor: y'));
    expect(parsed).toMatchObject({ headers: new Map([['__proto__', 'x'], ['constructor', 'y']]) });
  });
});

describe('parseRequestHead on generated input', () => {
  const tokenChar = fc.constantFrom(...("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split('')));
  const token = fc.array(tokenChar, { minLength: 1, maxLength: 12 }).map((chars) => chars.join(''));
  const fieldName = token.filter((name) => !['content-length', 'transfer-encoding'].includes(name.toLowerCase()));
  // Visible characters, spaces and tabs inside; none at the ends (those are trimmed).
  const fieldValue = fc
    .array(fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f), { maxLength: 20 })
    .map((codes) => String.fromCharCode(...codes).trim());

  it('reads back the fields of any well-formed head', () => {
    fc.assert(
      fc.property(token, fc.array(fc.tuple(fieldName, fieldValue), { maxLength: 8 }), (method, fields) => {
        const parsed = parseRequestHead(head(`${method} /t HTTP/1.1`, ...fields.map(([name, value]) => `${name}: ${value}`)));
        const expected = new Map<string, string>();
        for (const [name, value] of fields) {
          const key = name.toLowerCase();
          const previous = expected.get(key);
          expected.set(key, previous === undefined ? value : `${previous}, ${value}`);
        }
        expect(parsed).toMatchObject({ method, target: '/t', headers: expected });
      }),
      { seed: 0x408 },
    );
  });

  it('answers any byte string with a head or a refusal, never an exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const buffer = Buffer.from(bytes);
        const parsed = parseBytes(buffer, 0, buffer.length);
        expect('error' in parsed ? [400, 501, 505].includes(parsed.error) : typeof parsed.method).toBeTruthy();
      }),
      { seed: 0x409, numRuns: 2000 },
    );
  });
});
