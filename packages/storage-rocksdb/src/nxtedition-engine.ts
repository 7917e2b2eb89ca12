import { mkdirSync } from 'node:fs';
import { RocksLevel } from '@nxtedition/rocksdb';
import { ShoalError } from '@shoal/base';
import type { Bytes, JournalableEngine, KeyRange, SyncReadableEngine, SyncWritableEngine, TextIterableEngine, WriteOp, WriteOptions } from '@shoal/storage';

/**
 * The RocksDB engine on `@nxtedition/rocksdb` 12.x (RocksDB 9.7; the choice in
 * docs/decisions/0001-rocksdb-binding.md). The WAL is on (the binding has no switch to turn it
 * off); a write batch is one atomic `DB::Write`, and with `sync` its `WriteOptions.sync` is set,
 * so RocksDB fdatasyncs the WAL before the call returns. Note the binding runs that write on the
 * calling thread: a synced write blocks the event loop for the fsync (group commit amortises it).
 * An iteration creates its native iterator on the first `next()`, and RocksDB pins an implicit
 * snapshot for every iterator, so later writes never show through, across all `nextv` batches.
 */
export interface RocksDbEngineOptions {
  /** Block cache size in bytes. */
  cacheSizeBytes?: number;
}

const CACHE_SIZE_BYTES_DEFAULT = 64 * 1024 * 1024;
/** Entries fetched from the native iterator per call: amortises the crossing into C++. */
const ITERATOR_BATCH_ENTRIES = 256;
/**
 * The first batch of an iteration is read on the calling thread (as point reads are, through
 * `getSync`): short Queries, the common case, then skip the thread-pool round trip entirely.
 * Later batches of long scans go to the pool. YCSB E at concurrency 1, alternating 15 s runs:
 * 549 and 623 µs of server CPU per Query before, 514 and 522 after.
 */
const ITERATOR_FIRST_BATCH_ENTRIES = 16;

/**
 * The binding's own entry points read keys and values with `napi_is_buffer` and
 * `napi_get_buffer_info`, which N-API defines for every Uint8Array, not only Buffers: the hot
 * paths below hand our byte arrays over as they are, without wrapping each in a Buffer view.
 */
interface RocksLevelInternals {
  _getManySync(keys: Bytes[], options: object): (Buffer | undefined)[];
  /** The binding's own batch (what `batch()` builds after abstract-level's per-operation checks). */
  _chainedBatch(): NativeBatch;
}

interface NativeBatch {
  _put(key: Bytes, value: Bytes, options: object): void;
  _del(key: Bytes, options: object): void;
  /** Writes on the calling thread, as `batch()` does; throws on failure. */
  _writeSync(options: { sync: boolean }): void;
  _closeSync(): void;
  /** Empties the batch for reuse. */
  _clear(): void;
}

const NO_OPTIONS = {};
/** A native batch that carried more than this is dropped after its write, not reused. */
const REUSED_BATCH_BYTES_MAX = 1024 * 1024;

function asBuffer(bytes: Bytes): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export async function openNxteditionEngine(directory: string, options: RocksDbEngineOptions = {}): Promise<JournalableEngine & TextIterableEngine> {
  mkdirSync(directory, { recursive: true });
  const db = new RocksLevel(directory, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  // No block compression: the binding's only codec is ZSTD with dictionary training, which cost
  // ~6% of a write-heavy server's CPU in background flushes (perf, docs/performance.md). No WAL
  // compression either (the binding turns ZSTD on by default): unsynced 1 KB writes cost ~27 µs
  // of CPU without it against ~41-65 µs with it (.tmp-style microbenchmark, 2026-11-30).
  await db.open({ createIfMissing: true, cacheSize: options.cacheSizeBytes ?? CACHE_SIZE_BYTES_DEFAULT, compression: false, walCompression: false });
  return new RocksDbEngine(db);
}

/** What an iteration hands over: keys and values as Buffers unless asked otherwise. */
interface RowShape {
  keys?: false;
  valueEncoding?: 'utf8';
}

/** A write to a store that is closed (or not yet open). */
export class RocksDbNotOpenError extends ShoalError {
  constructor(status: string) {
    super('RocksDbNotOpen', `the RocksDB store is ${status}, not open`, 'server');
  }
}

class RocksDbEngine implements TextIterableEngine, SyncWritableEngine, SyncReadableEngine {
  /**
   * One native batch, cleared after each write rather than made anew: a new `WriteBatch` grows
   * its buffer from nothing (a realloc at each doubling) and is freed by a GC finalizer.
   */
  private batch: NativeBatch | undefined;

  constructor(private readonly db: RocksLevel) {}

  async get(key: Bytes): Promise<Bytes | undefined> {
    const [value] = await this.db.getMany([asBuffer(key)]);
    return value ?? undefined;
  }

  /**
   * A blocking point read: served from the memtable or block cache in microseconds, which is
   * cheaper than the round trip through libuv's thread pool that an asynchronous read costs.
   */
  getSync(key: Bytes): Bytes | undefined {
    const [value] = (this.db as unknown as RocksLevelInternals)._getManySync([key], NO_OPTIONS);
    return value ?? undefined;
  }

  async getMany(keys: readonly Bytes[]): Promise<(Bytes | undefined)[]> {
    const values = await this.db.getMany(keys.map(asBuffer));
    return values.map((value) => value ?? undefined);
  }

  async write(ops: readonly WriteOp[], options: WriteOptions): Promise<void> {
    this.writeSync(ops, options);
  }

  /**
   * Straight to the binding's batch: abstract-level's `batch()` checks and re-encodes every
   * operation first, ~8 µs of a single-put batch's ~19 µs of CPU (.tmp-style microbenchmark,
   * unsynced 1 KB puts, 2026-11-30). The write happens on the calling thread, before this returns.
   */
  writeSync(ops: readonly WriteOp[], options: WriteOptions): void {
    // Only on an open store: the binding itself would not refuse a closed one.
    if (this.db.status !== 'open') throw new RocksDbNotOpenError(this.db.status);
    const batch = (this.batch ??= (this.db as unknown as RocksLevelInternals)._chainedBatch());
    let bytes = 0;
    try {
      for (const op of ops) {
        if (op.type === 'put') {
          batch._put(op.key, op.value, NO_OPTIONS);
          bytes += op.key.length + op.value.length;
        } else {
          batch._del(op.key, NO_OPTIONS);
          bytes += op.key.length;
        }
      }
      batch._writeSync({ sync: options.sync });
    } finally {
      // A batch that grew large (a snapshot installed) is let go rather than kept at that size.
      if (bytes > REUSED_BATCH_BYTES_MAX) {
        batch._closeSync();
        this.batch = undefined;
      } else {
        batch._clear();
      }
    }
  }

  iterate(range: KeyRange): AsyncIterable<[Bytes, Bytes]> {
    return this.rows(range, {}, (key, value) => [key as Buffer, value as Buffer]);
  }

  /** Values only, as strings: the binding then creates no Buffer per key and per value (~4 µs each). */
  iterateText(range: KeyRange): AsyncIterable<string> {
    return this.rows(range, { keys: false, valueEncoding: 'utf8' }, (_key, value) => value as string);
  }

  private async *rows<T>(range: KeyRange, shape: RowShape, row: (key: unknown, value: unknown) => T): AsyncIterable<T> {
    if (range.limit === 0) return;
    const iterator = this.db.iterator({
      ...(range.gt ? { gt: asBuffer(range.gt) } : {}),
      ...(range.gte ? { gte: asBuffer(range.gte) } : {}),
      ...(range.lt ? { lt: asBuffer(range.lt) } : {}),
      ...(range.lte ? { lte: asBuffer(range.lte) } : {}),
      reverse: range.reverse === true,
      limit: range.limit ?? -1,
      fillCache: true,
      ...shape,
    });
    try {
      if (iterator._nextvSync) {
        const { rows, finished } = iterator._nextvSync(Math.min(range.limit ?? ITERATOR_FIRST_BATCH_ENTRIES, ITERATOR_FIRST_BATCH_ENTRIES), {});
        for (let i = 0; i < rows.length; i += 2) yield row(rows[i], rows[i + 1]);
        if (finished) return;
      }
      for (;;) {
        const entries = await iterator.nextv(ITERATOR_BATCH_ENTRIES);
        if (entries.length === 0) return;
        for (const [key, value] of entries) yield row(key, value);
      }
    } finally {
      await iterator.close();
    }
  }

  async close(): Promise<void> {
    this.batch?._closeSync();
    this.batch = undefined;
    await this.db.close();
  }
}
