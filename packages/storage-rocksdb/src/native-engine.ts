import { mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import RocksDB from 'rocksdb-native';
import { assert } from '@shoal/base';
import type { Bytes, KeyRange, StorageEngine, WriteOp, WriteOptions } from '@shoal/storage';

/**
 * A StorageEngine on `rocksdb-native` 3.x (holepunch's librocksdb, RocksDB 10.5): the candidate
 * that lost (docs/decisions/0001-rocksdb-binding.md), kept so the compliance suite and the
 * benchmark keep the comparison honest.
 *
 * The binding cannot sync a write: it calls `rocksdb_write` with no write options, and
 * librocksdb's write options have no `sync` field, so `WriteOptions.sync` stays false. With
 * `manual_wal_flush=false` (its default, checked in the OPTIONS file) RocksDB has handed every
 * WAL record to the kernel when the write completes, so we emulate `sync` by fdatasyncing the
 * WAL files ourselves — see `syncWal`. Reads run on the libuv pool; iterations run on an
 * explicit snapshot session.
 */

/** Entries fetched from the native iterator per read (its default is 8). */
const ITERATOR_BATCH_ENTRIES = 256;

function copy(bytes: Bytes): Buffer {
  // The binding reads the buffers on a pool thread after `write` returns: never hand it the
  // caller's memory, which the caller may reuse.
  return Buffer.from(bytes);
}

export async function openRocksDbNativeEngine(directory: string): Promise<StorageEngine> {
  mkdirSync(directory, { recursive: true });
  const db = new RocksDB(directory, { createIfMissing: true });
  await db.ready();
  const wal = await db.currentWalFile();
  return new RocksDbNativeEngine(db, directory, wal.number);
}

class RocksDbNativeEngine implements StorageEngine {
  /** The open WAL file we fdatasync, by its number. */
  private walFile: { number: number; handle: FileHandle } | undefined;
  /** WAL syncs run one at a time: they share `walFile`. */
  private syncing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: RocksDB,
    private readonly directory: string,
    /** The highest WAL number seen as current: every later write goes to this WAL or a newer one. */
    private walNumberSeen: number,
  ) {}

  async get(key: Bytes): Promise<Bytes | undefined> {
    const [value] = await this.getMany([key]);
    return value;
  }

  async getMany(keys: readonly Bytes[]): Promise<(Bytes | undefined)[]> {
    if (keys.length === 0) return [];
    const batch = this.db.read({ capacity: keys.length, autoDestroy: true });
    const values = keys.map((key) => batch.get(copy(key)));
    batch.tryFlush();
    return (await Promise.all(values)).map((value) => value ?? undefined);
  }

  async write(ops: readonly WriteOp[], options: WriteOptions): Promise<void> {
    const walNumberBefore = this.walNumberSeen;
    if (ops.length > 0) {
      const batch = this.db.write({ capacity: ops.length, autoDestroy: true });
      for (const op of ops) {
        if (op.type === 'put') batch.tryPut(copy(op.key), copy(op.value));
        else batch.tryDelete(copy(op.key));
      }
      await batch.flush();
    }
    if (options.sync) {
      const sync = this.syncing.then(() => this.syncWal(walNumberBefore));
      this.syncing = sync.catch(() => undefined);
      await sync;
    }
  }

  async *iterate(range: KeyRange): AsyncIterable<[Bytes, Bytes]> {
    if (range.limit === 0) return;
    const snapshot = this.db.snapshot();
    try {
      const iterator = snapshot.iterator({
        ...(range.gt ? { gt: copy(range.gt) } : {}),
        ...(range.gte ? { gte: copy(range.gte) } : {}),
        ...(range.lt ? { lt: copy(range.lt) } : {}),
        ...(range.lte ? { lte: copy(range.lte) } : {}),
        reverse: range.reverse === true,
        ...(range.limit === undefined ? {} : { limit: range.limit }),
        capacity: Math.min(range.limit ?? ITERATOR_BATCH_ENTRIES, ITERATOR_BATCH_ENTRIES),
      });
      for await (const { key, value } of iterator) yield [key, value];
    } finally {
      await snapshot.close();
    }
  }

  async close(): Promise<void> {
    await this.syncing;
    await this.walFile?.handle.close();
    this.walFile = undefined;
    await this.db.close();
  }

  /**
   * Makes durable every write that completed after `walNumberFrom` was observed as the current
   * WAL. Such a write went to WAL `walNumberFrom` or a newer one, up to the WAL that is current
   * now; fdatasync them all (a WAL that is already gone was obsolete: its data is in a table file
   * that RocksDB synced before deleting it). When the WAL changed, also fsync the directory, so
   * the new file's entry survives a power loss as RocksDB's own synced writes ensure.
   */
  private async syncWal(walNumberFrom: number): Promise<void> {
    const current = (await this.db.currentWalFile()).number;
    assert(current >= walNumberFrom, `WAL number went backwards: ${walNumberFrom} -> ${current}`);
    this.walNumberSeen = Math.max(this.walNumberSeen, current);
    for (let number = walNumberFrom; number < current; number++) {
      const handle = await this.openWal(number);
      if (handle === undefined) continue;
      try {
        await handle.datasync();
      } finally {
        await handle.close();
      }
    }
    if (this.walFile?.number !== current) {
      await this.walFile?.handle.close();
      this.walFile = undefined;
      const handle = await this.openWal(current);
      assert(handle !== undefined, `the current WAL ${current} is missing`);
      this.walFile = { number: current, handle };
      const directory = await open(this.directory, 'r');
      try {
        await directory.sync();
      } finally {
        await directory.close();
      }
    }
    await this.walFile.handle.datasync();
  }

  private async openWal(number: number): Promise<FileHandle | undefined> {
    // RocksDB names WAL files "%06llu.log" in the database directory (no separate wal_dir here).
    try {
      return await open(join(this.directory, `${String(number).padStart(6, '0')}.log`), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}
