import { crc32 } from 'node:zlib';
import type { Bytes, WriteOp } from '../engine.js';

/**
 * The journal's on-disk record: one write batch with its sequence number.
 *
 *   u32 bodyBytes | u32 crc32(body) | body
 *   body = u32 seqHigh | u32 seqLow | u32 opCount | op*
 *   op   = u8 kind (1 put, 2 del) | u32 keyBytes | key | (put only) u32 valueBytes | value
 *
 * All integers little-endian. A record is valid only whole: the length fits what was read and the
 * checksum matches. The format is on disk: frozen by the golden test in journal-records.test.ts.
 */
export interface JournalRecord {
  seq: number;
  ops: WriteOp[];
}

const HEADER_BYTES = 8;
const BODY_FIXED_BYTES = 12;
const KIND_PUT = 1;
const KIND_DEL = 2;
const SEQ_HIGH_UNIT = 2 ** 32;

/** Bytes `encodeRecord` will take for these operations. */
export function recordBytes(ops: readonly WriteOp[]): number {
  let bytes = HEADER_BYTES + BODY_FIXED_BYTES;
  for (const op of ops) bytes += op.type === 'put' ? 9 + op.key.length + op.value.length : 5 + op.key.length;
  return bytes;
}

/** Writes the record at `offset` of `target` (which must have `recordBytes(ops)` free); returns the end. */
export function encodeRecord(seq: number, ops: readonly WriteOp[], target: Buffer, offset: number): number {
  const bodyStart = offset + HEADER_BYTES;
  let at = bodyStart;
  at = target.writeUInt32LE(Math.floor(seq / SEQ_HIGH_UNIT), at);
  at = target.writeUInt32LE(seq % SEQ_HIGH_UNIT, at);
  at = target.writeUInt32LE(ops.length, at);
  for (const op of ops) {
    target[at++] = op.type === 'put' ? KIND_PUT : KIND_DEL;
    at = target.writeUInt32LE(op.key.length, at);
    target.set(op.key, at);
    at += op.key.length;
    if (op.type === 'put') {
      at = target.writeUInt32LE(op.value.length, at);
      target.set(op.value, at);
      at += op.value.length;
    }
  }
  target.writeUInt32LE(at - bodyStart, offset);
  target.writeUInt32LE(crc32(target.subarray(bodyStart, at)), offset + 4);
  return at;
}

/**
 * The records a journal holds from its start: the longest run of whole, checksummed records with
 * consecutive sequence numbers. The run ends at the first thing that is not the next record: never
 * written space (zeros), a torn record, or a stale record of an earlier lap (its number is lower).
 * Never throws: whatever the bytes, the answer is a run, possibly empty.
 */
export function decodeRun(bytes: Uint8Array): JournalRecord[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: JournalRecord[] = [];
  let offset = 0;
  while (offset + HEADER_BYTES + BODY_FIXED_BYTES <= buffer.length) {
    const bodyBytes = buffer.readUInt32LE(offset);
    const bodyStart = offset + HEADER_BYTES;
    const bodyEnd = bodyStart + bodyBytes;
    if (bodyBytes < BODY_FIXED_BYTES || bodyEnd > buffer.length) break;
    const body = buffer.subarray(bodyStart, bodyEnd);
    if (crc32(body) !== buffer.readUInt32LE(offset + 4)) break;
    const record = decodeBody(body);
    if (!record) break;
    const previous = records[records.length - 1];
    if (previous && record.seq !== previous.seq + 1) break;
    records.push(record);
    offset = bodyEnd;
  }
  return records;
}

/** A checksummed body that still does not parse ends the run like a torn one. */
function decodeBody(body: Buffer): JournalRecord | undefined {
  const seq = body.readUInt32LE(0) * SEQ_HIGH_UNIT + body.readUInt32LE(4);
  const opCount = body.readUInt32LE(8);
  const ops: WriteOp[] = [];
  let at = BODY_FIXED_BYTES;
  for (let i = 0; i < opCount; i++) {
    if (at + 5 > body.length) return undefined;
    const kind = body[at];
    const keyBytes = body.readUInt32LE(at + 1);
    at += 5;
    if (at + keyBytes > body.length) return undefined;
    const key: Bytes = body.subarray(at, at + keyBytes);
    at += keyBytes;
    if (kind === KIND_DEL) {
      ops.push({ type: 'del', key });
      continue;
    }
    if (kind !== KIND_PUT || at + 4 > body.length) return undefined;
    const valueBytes = body.readUInt32LE(at);
    at += 4;
    if (at + valueBytes > body.length) return undefined;
    ops.push({ type: 'put', key, value: body.subarray(at, at + valueBytes) });
    at += valueBytes;
  }
  return at === body.length ? { seq, ops } : undefined;
}
