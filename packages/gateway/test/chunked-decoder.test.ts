import { describe, expect, it } from 'vitest';
import { ChunkedDecoder } from '../src/http1/chunked-decoder.js';

const ENCODED = '5;ext=1\r\nhello\r\n1\r\n \r\nA\r\nworld12345\r\n0\r\nTrailer: x\r\n\r\n';

describe('ChunkedDecoder', () => {
  it('decodes a body given in one piece and says where it ends', () => {
    const decoder = new ChunkedDecoder();
    const bytes = Buffer.from(`${ENCODED}POST / HTTP/1.1\r\n`);
    expect(decoder.feed(bytes, 0)).toEqual({ kind: 'done', consumed: ENCODED.length });
    expect(decoder.body().toString()).toBe('hello world12345');
    expect(decoder.length).toBe(16);
  });

  it('decodes the same body fed a byte at a time', () => {
    const decoder = new ChunkedDecoder();
    const bytes = Buffer.from(ENCODED);
    const outcomes = [];
    for (let i = 0; i < bytes.length; i++) outcomes.push(decoder.feed(bytes.subarray(i, i + 1)));
    expect(outcomes.slice(0, -1).every((outcome) => outcome.kind === 'more')).toBe(true);
    expect(outcomes.at(-1)).toEqual({ kind: 'done', consumed: 1 });
    expect(decoder.body().toString()).toBe('hello world12345');
  });

  it('starts at the offset it is given', () => {
    const decoder = new ChunkedDecoder();
    expect(decoder.feed(Buffer.from(`HEAD0\r\n\r\n`), 4)).toEqual({ kind: 'done', consumed: 5 });
    expect(decoder.body().length).toBe(0);
  });

  it.each([
    ['zz\r\n', 'malformed chunk size'],
    ['\r\n', 'malformed chunk size'],
    ['1234567890abc\r\n', 'malformed chunk size'],
    ['5\nhello', 'chunk line without CRLF'],
    ['2\r\nabc\r\n', 'chunk data longer than its size'],
    ['0\r\nbad trailer\r\n', 'malformed trailer field'],
    [`${'1'.repeat(5000)}`, 'chunk line too long'],
  ])('refuses %j', (text, reason) => {
    expect(new ChunkedDecoder().feed(Buffer.from(text))).toEqual({ kind: 'error', reason });
  });

  it('accepts leading zeros in a chunk size', () => {
    const decoder = new ChunkedDecoder();
    expect(decoder.feed(Buffer.from('00000000000000003\r\nabc\r\n0\r\n\r\n'))).toMatchObject({ kind: 'done' });
    expect(decoder.body().toString()).toBe('abc');
  });
});
