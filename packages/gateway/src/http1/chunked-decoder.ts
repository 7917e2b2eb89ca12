/**
 * The chunked transfer coding (RFC 9112 §7.1), decoded incrementally: bytes go in as they
 * arrive, the body comes out whole once the last chunk and its trailer section have been read.
 * Pure, like the head parser. Chunk extensions are skipped; trailer fields are read and dropped.
 */

/** A size line or trailer line longer than this is refused (the body may still be large). */
const LINE_BYTES_MAX = 4096;
/** More hex digits than this is past every body limit. */
const CHUNK_SIZE_DIGITS_MAX = 12;

type State = 'size' | 'data' | 'data-end' | 'trailer';

export type ChunkedProgress =
  /** Needs more bytes; everything offered was consumed. */
  | { kind: 'more' }
  /** The body is complete; `consumed` bytes of the last offer belonged to it. */
  | { kind: 'done'; consumed: number }
  | { kind: 'error'; reason: string };

export class ChunkedDecoder {
  private state: State = 'size';
  private line = '';
  private remaining = 0;
  private readonly chunks: Buffer[] = [];
  /** Body bytes decoded so far (callers enforce their size limit on it). */
  length = 0;

  /** Consumes from `bytes` (starting at `offset`) up to the end of the body. */
  feed(bytes: Buffer, offset = 0): ChunkedProgress {
    let at = offset;
    while (at < bytes.length) {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, bytes.length - at);
        this.chunks.push(bytes.subarray(at, at + take));
        this.length += take;
        this.remaining -= take;
        at += take;
        if (this.remaining === 0) this.state = 'data-end';
        continue;
      }
      const newline = bytes.indexOf(0x0a, at);
      const end = newline < 0 ? bytes.length : newline;
      this.line += bytes.toString('latin1', at, end);
      if (this.line.length > LINE_BYTES_MAX) return { kind: 'error', reason: 'chunk line too long' };
      if (newline < 0) return { kind: 'more' };
      at = newline + 1;
      if (!this.line.endsWith('\r')) return { kind: 'error', reason: 'chunk line without CRLF' };
      const line = this.line.slice(0, -1);
      this.line = '';
      const outcome = this.endLine(line);
      if (outcome) return outcome.kind === 'done' ? { kind: 'done', consumed: at - offset } : outcome;
    }
    return { kind: 'more' };
  }

  /** The decoded body (valid once `feed` has returned `done`). */
  body(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.length);
  }

  private endLine(line: string): ChunkedProgress | undefined {
    switch (this.state) {
      case 'size': {
        const semicolon = line.indexOf(';');
        const digits = (semicolon < 0 ? line : line.slice(0, semicolon)).trimEnd();
        if (!/^[0-9a-fA-F]+$/.test(digits) || digits.replace(/^0+(?=.)/, '').length > CHUNK_SIZE_DIGITS_MAX) {
          return { kind: 'error', reason: 'malformed chunk size' };
        }
        this.remaining = Number.parseInt(digits, 16);
        this.state = this.remaining === 0 ? 'trailer' : 'data';
        return undefined;
      }
      case 'data-end':
        if (line !== '') return { kind: 'error', reason: 'chunk data longer than its size' };
        this.state = 'size';
        return undefined;
      case 'trailer':
        if (line === '') return { kind: 'done', consumed: 0 };
        if (line.indexOf(':') <= 0) return { kind: 'error', reason: 'malformed trailer field' };
        return undefined;
      default:
        return { kind: 'error', reason: `unexpected line in state ${this.state}` };
    }
  }
}
