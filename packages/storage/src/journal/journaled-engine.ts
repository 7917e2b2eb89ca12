import { assert, ShoalError } from '@shoal/base';
import { compareBytes } from '../compare.js';
import {
  canIterateText,
  type Bytes,
  type KeyRange,
  type SyncReadableEngine,
  type SyncWritableEngine,
  type WriteOp,
  type WriteOptions,
} from '../engine.js';
import { decodeRun, encodeRecord, recordBytes } from './journal-records.js';

/**
 * A write-ahead journal in front of an engine, so that a synced write costs one disk write
 * instead of two (docs/decisions/0013-write-ahead-journal.md).
 *
 * Why: RocksDB appends its WAL, so every fdatasync also writes the file's inode (its size
 * changed); the binding cannot set `recycle_log_file_num`, RocksDB's own cure. The journal is a
 * file written over in place, in laps: its length never changes while it is in use, so its
 * fdatasync writes the data alone.
 *
 * How: every batch, synced or not, gets the next sequence number, becomes a journal record, and
 * is written to the engine unsynced together with the number (under a reserved key). A synced
 * write first makes its record durable in the journal. The engine's unsynced writes survive a
 * crash as a prefix (RocksDB's WAL recovers to a point in time), so after any crash the engine
 * holds every batch up to its stored number, and the journal every synced one (and some later
 * ones); opening replays the journal's records past the stored number, in order. Before a lap
 * starts over at the file's start, one synced engine write (a checkpoint) makes everything
 * written so far durable in the engine, so the lap being overwritten is no longer needed.
 *
 * Keys from `RESERVED_KEYS_FROM` up belong to the journal: writes there are refused and
 * iterations never reach them.
 */
export interface JournalFile {
  /** Bytes the file holds: records, then zeros or stale records up to here. */
  readonly size: number;
  /** The whole file, read once, when the journal opens. */
  readAll(): Uint8Array;
  /** Writes `bytes` at `offset`; `offset + bytes.length` is within `size`. */
  write(bytes: Uint8Array, offset: number): void;
  /** Makes the writes so far durable (fdatasync). */
  sync(): void;
  /** Zero-fills the file up to `size` bytes and makes the new length durable. */
  extend(size: number): void;
  close(): void;
}

export interface JournalOptions {
  /** Journal bytes written before it starts over at the file's start (after a checkpoint). */
  lapBytes?: number;
  /** Bytes of unsynced records kept in memory before they are written out; tests lower it. */
  pendingBytesMax?: number;
}

export const RESERVED_KEYS_FROM: Bytes = new Uint8Array(8).fill(0xff);
/** Where the engine keeps the number of the last batch written to it. */
const SEQ_KEY: Bytes = new Uint8Array([...RESERVED_KEYS_FROM, ...new TextEncoder().encode('journal-seq')]);

/** 64 MiB: at 20,000 writes of 1 KB a second, one checkpoint every 3 s. */
export const JOURNAL_LAP_BYTES_DEFAULT = 64 * 1024 * 1024;
/** Small laps are for tests, which want many of them. */
const JOURNAL_LAP_BYTES_MIN = 1024;
/** A batch larger than this share of a lap goes to the engine synced, not through the journal. */
const LARGE_BATCH_LAP_FRACTION = 4;
/** Unsynced records wait in memory for the next synced one, or until this many bytes wait. */
const PENDING_BYTES_MAX = 1024 * 1024;
/** The file grows by at least this much when a lap first reaches its end. */
const EXTEND_BYTES_MIN = 1024 * 1024;

/** The journal does not continue the engine: records the engine lacks are missing from it. */
export class JournalGapError extends ShoalError {
  constructor(message: string) {
    super('JournalGap', message, 'server');
  }
}

export type JournalableEngine = SyncWritableEngine & SyncReadableEngine;

export class JournaledEngine implements SyncWritableEngine, SyncReadableEngine {
  /** Present when the engine below has it. */
  readonly iterateText?: (range: KeyRange) => AsyncIterable<string>;
  readonly stats = { records: 0, syncs: 0, checkpoints: 0, largeBatches: 0, replayed: 0 };
  private readonly lapBytes: number;
  private readonly pendingBytesMax: number;
  /** Where in the file the next flush writes. */
  private offset = 0;
  private pending = Buffer.allocUnsafe(PENDING_BYTES_MAX);
  private pendingBytes = 0;
  /** After a failed write the journal and the engine may disagree: every later write fails too. */
  private failure: unknown;
  private closed = false;

  /** Replays what the engine lacks, then checkpoints: the first lap starts at the file's start. */
  static async open(inner: JournalableEngine, file: JournalFile, options: JournalOptions = {}): Promise<JournaledEngine> {
    const stored = inner.getSync(SEQ_KEY);
    const storedSeq = stored ? decodeSeq(stored) : 0;
    const missing = decodeRun(file.readAll()).filter((record) => record.seq > storedSeq);
    const first = missing[0];
    if (first && first.seq !== storedSeq + 1) {
      throw new JournalGapError(`the journal continues at batch ${first.seq} but the engine holds batches up to ${storedSeq}`);
    }
    for (const record of missing) inner.writeSync(withSeq(record.ops, record.seq), { sync: false });
    const engine = new JournaledEngine(inner, file, missing.at(-1)?.seq ?? storedSeq, options);
    engine.stats.replayed = missing.length;
    engine.checkpoint();
    return engine;
  }

  private constructor(
    private readonly inner: JournalableEngine,
    private readonly file: JournalFile,
    /** The number of the last batch written to the engine. */
    private lastSeq: number,
    options: JournalOptions,
  ) {
    this.lapBytes = options.lapBytes ?? JOURNAL_LAP_BYTES_DEFAULT;
    this.pendingBytesMax = options.pendingBytesMax ?? PENDING_BYTES_MAX;
    assert(this.lapBytes >= JOURNAL_LAP_BYTES_MIN, `a journal lap of ${this.lapBytes} bytes is too small`);
    assert(this.pendingBytesMax > 0, `pendingBytesMax must be positive: ${this.pendingBytesMax}`);
    if (canIterateText(inner)) this.iterateText = (range) => inner.iterateText(belowReserved(range));
  }

  get(key: Bytes): Promise<Bytes | undefined> {
    return this.inner.get(key);
  }

  getSync(key: Bytes): Bytes | undefined {
    return this.inner.getSync(key);
  }

  getMany(keys: readonly Bytes[]): Promise<(Bytes | undefined)[]> {
    return this.inner.getMany(keys);
  }

  iterate(range: KeyRange): AsyncIterable<[Bytes, Bytes]> {
    return this.inner.iterate(belowReserved(range));
  }

  async write(ops: readonly WriteOp[], options: WriteOptions): Promise<void> {
    this.writeSync(ops, options);
  }

  writeSync(ops: readonly WriteOp[], options: WriteOptions): void {
    if (this.failure !== undefined) throw this.failure;
    assert(!this.closed, 'the journaled engine is closed');
    for (const op of ops) assert(compareBytes(op.key, RESERVED_KEYS_FROM) < 0, 'keys from RESERVED_KEYS_FROM up belong to the journal');
    const seq = this.lastSeq + 1;
    const bytes = recordBytes(ops);
    try {
      if (bytes > this.lapBytes / LARGE_BATCH_LAP_FRACTION) {
        // Synced in the engine, it makes every earlier batch durable there too: a new lap.
        this.inner.writeSync(withSeq(ops, seq), { sync: true });
        this.lastSeq = seq;
        this.startLap();
        this.stats.largeBatches++;
        return;
      }
      if (this.offset + this.pendingBytes + bytes > this.lapBytes) this.checkpoint();
      this.append(seq, ops, bytes);
      if (options.sync) {
        this.flush();
        this.file.sync();
        this.stats.syncs++;
      } else if (this.pendingBytes >= this.pendingBytesMax) {
        this.flush();
      }
      this.inner.writeSync(withSeq(ops, seq), { sync: false });
      this.lastSeq = seq;
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.failure === undefined) this.checkpoint();
    this.file.close();
    await this.inner.close();
  }

  /** Makes every batch written so far durable in the engine; the journal starts a new lap. */
  private checkpoint(): void {
    this.inner.writeSync([seqPut(this.lastSeq)], { sync: true });
    this.startLap();
    this.stats.checkpoints++;
  }

  private startLap(): void {
    this.offset = 0;
    this.pendingBytes = 0;
  }

  private append(seq: number, ops: readonly WriteOp[], bytes: number): void {
    if (this.pendingBytes + bytes > this.pending.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.pending.length * 2, this.pendingBytes + bytes));
      this.pending.copy(grown, 0, 0, this.pendingBytes);
      this.pending = grown;
    }
    this.pendingBytes = encodeRecord(seq, ops, this.pending, this.pendingBytes);
    this.stats.records++;
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    const end = this.offset + this.pendingBytes;
    if (end > this.file.size) this.file.extend(Math.min(this.lapBytes, Math.max(end, this.file.size * 2, this.file.size + EXTEND_BYTES_MIN)));
    this.file.write(this.pending.subarray(0, this.pendingBytes), this.offset);
    this.offset = end;
    this.pendingBytes = 0;
    // A large batch grew the buffer: let it go rather than hold it for good.
    if (this.pending.length > 2 * PENDING_BYTES_MAX) this.pending = Buffer.allocUnsafe(PENDING_BYTES_MAX);
  }
}

function withSeq(ops: readonly WriteOp[], seq: number): WriteOp[] {
  const all = ops.slice();
  all.push(seqPut(seq));
  return all;
}

function seqPut(seq: number): WriteOp {
  const value = Buffer.allocUnsafe(8);
  value.writeUInt32BE(Math.floor(seq / 2 ** 32), 0);
  value.writeUInt32BE(seq % 2 ** 32, 4);
  return { type: 'put', key: SEQ_KEY, value };
}

function decodeSeq(value: Bytes): number {
  const view = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  assert(view.length === 8, `the journal's stored batch number has ${view.length} bytes, not 8`);
  return view.readUInt32BE(0) * 2 ** 32 + view.readUInt32BE(4);
}

/** The range without the journal's keys. */
function belowReserved(range: KeyRange): KeyRange {
  const upper = range.lt ?? range.lte;
  if (upper && compareBytes(upper, RESERVED_KEYS_FROM) < 0) return range;
  const { lte: _lte, ...rest } = range;
  return { ...rest, lt: RESERVED_KEYS_FROM };
}
