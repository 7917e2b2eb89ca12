import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRun, encodeRecord, recordBytes, type JournalRecord, type WriteOp } from '@shoal/storage';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function journalOf(records: readonly JournalRecord[], size: number): Buffer {
  const bytes = Buffer.alloc(size);
  let offset = 0;
  for (const record of records) offset = encodeRecord(record.seq, record.ops, bytes, offset);
  return bytes;
}

function recordsFrom(first: number, batches: readonly WriteOp[][]): JournalRecord[] {
  return batches.map((ops, i) => ({ seq: first + i, ops }));
}

/** Records compared by content: keys and values as hex. */
function shown(records: readonly JournalRecord[]): unknown[] {
  return records.map((record) => ({ seq: record.seq, ops: record.ops.map((op) => (op.type === 'put' ? ['put', hex(op.key), hex(op.value)] : ['del', hex(op.key)])) }));
}

const batches = fc.array(
  fc.array(
    fc.oneof(
      fc.record({ type: fc.constant('put' as const), key: fc.uint8Array({ minLength: 1, maxLength: 40 }), value: fc.uint8Array({ maxLength: 200 }) }),
      fc.record({ type: fc.constant('del' as const), key: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
    ),
    { minLength: 1, maxLength: 6 },
  ),
  { minLength: 1, maxLength: 20 },
);

describe('journal records', () => {
  it('keeps the on-disk format (golden bytes)', () => {
    const ops: WriteOp[] = [{ type: 'put', key: text('k'), value: text('v') }, { type: 'del', key: text('d') }];
    const bytes = Buffer.alloc(recordBytes(ops));
    expect(encodeRecord(2 ** 32 + 2, ops, bytes, 0)).toBe(37);
    // u32 body bytes (29) | u32 crc32 | seq high 1 | seq low 2 | 2 ops | put "k" = "v" | del "d"
    expect(hex(bytes)).toBe('1d000000' + 'ddbebe18' + '01000000' + '02000000' + '02000000' + '01' + '01000000' + '6b' + '01000000' + '76' + '02' + '01000000' + '64');
    expect(shown(decodeRun(bytes))).toEqual([{ seq: 2 ** 32 + 2, ops: [['put', '6b', '76'], ['del', '64']] }]);
  });

  it('reads back every record written, in order, and stops at never-written space', () => {
    fc.assert(
      fc.property(batches, fc.integer({ min: 1, max: 2 ** 40 }), (batchList, first) => {
        const records = recordsFrom(first, batchList);
        const size = records.reduce((sum, record) => sum + recordBytes(record.ops), 0);
        expect(shown(decodeRun(journalOf(records, size + 100)))).toEqual(shown(records));
        expect(shown(decodeRun(journalOf(records, size)))).toEqual(shown(records));
      }),
    );
  });

  it('ends the run at a record that does not follow: a stale one of an earlier lap', () => {
    const older = recordsFrom(1, [[{ type: 'del', key: text('a') }], [{ type: 'del', key: text('b') }], [{ type: 'del', key: text('c') }], [{ type: 'del', key: text('d') }]]);
    const journal = journalOf(older, 200);
    // A new lap wrote two longer records over the first three: the fourth old record is left behind.
    const newer = recordsFrom(7, [[{ type: 'put', key: text('x'), value: text('1234') }], [{ type: 'del', key: text('yy') }]]);
    const end = encodeRecord(8, newer[1]!.ops, journal, encodeRecord(7, newer[0]!.ops, journal, 0));
    expect(end).toBeLessThan(4 * recordBytes(older[0]!.ops));
    expect(shown(decodeRun(journal))).toEqual(shown(newer));
  });

  it('gives a prefix of the records whatever happened to the bytes: torn, flipped or cut', () => {
    fc.assert(
      fc.property(batches, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (batchList, position, flip, cut) => {
        const records = recordsFrom(10, batchList);
        const journal = journalOf(records, records.reduce((sum, record) => sum + recordBytes(record.ops), 0));
        const at = position % journal.length;
        const damaged = cut ? journal.subarray(0, at) : Buffer.from(journal);
        if (!cut) damaged[at] = damaged[at]! ^ flip;
        const read = decodeRun(damaged);
        expect(read.length).toBeLessThan(records.length);
        expect(shown(read)).toEqual(shown(records.slice(0, read.length)));
      }),
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(Array.isArray(decodeRun(bytes))).toBe(true);
      }),
    );
  });
});
