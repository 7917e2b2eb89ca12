/**
 * The storage engine interface every engine implements (memory, RocksDB, the simulator's
 * fault-injecting engine). Keys and values are opaque bytes; keys sort by unsigned byte order.
 * Separation of data kinds (items, Raft log, metadata) is by key prefix, decided above this layer.
 */
export type Bytes = Uint8Array;

export type WriteOp =
  | { type: 'put'; key: Bytes; value: Bytes }
  | { type: 'del'; key: Bytes };

/** A key range; bounds are optional and combine as with `level`'s iterator options. */
export interface KeyRange {
  gt?: Bytes;
  gte?: Bytes;
  lt?: Bytes;
  lte?: Bytes;
  /** Iterate from the high end down. */
  reverse?: boolean;
  /** Stop after this many entries. */
  limit?: number;
}

export interface WriteOptions {
  /** Fsync the write-ahead log before resolving: the write survives a power loss. */
  sync: boolean;
}

export interface StorageEngine {
  get(key: Bytes): Promise<Bytes | undefined>;
  /** Point reads of several keys in one call; answers in the order asked. */
  getMany(keys: readonly Bytes[]): Promise<(Bytes | undefined)[]>;
  /** Applies all operations atomically, in order. */
  write(ops: readonly WriteOp[], options: WriteOptions): Promise<void>;
  /**
   * Entries within the range in key order (or reverse), as a consistent view, taken in the first
   * step of the iteration (before that step resolves): a caller can tell what the view holds.
   */
  iterate(range: KeyRange): AsyncIterable<[Bytes, Bytes]>;
  close(): Promise<void>;
}

/** Engines that can serve a point read without leaving the calling thread (memory, cache hits). */
export interface SyncReadableEngine extends StorageEngine {
  getSync(key: Bytes): Bytes | undefined;
}

export function canReadSync(engine: StorageEngine): engine is SyncReadableEngine {
  return typeof (engine as Partial<SyncReadableEngine>).getSync === 'function';
}

/**
 * Engines whose writes take effect (and, with `sync`, are durable) before `writeSync` returns, in
 * call order: what a write-ahead journal in front of an engine needs (`JournaledEngine`).
 */
export interface SyncWritableEngine extends StorageEngine {
  writeSync(ops: readonly WriteOp[], options: WriteOptions): void;
}

/**
 * Engines that can hand over values alone, as text: reading stored JSON documents this way skips a
 * byte array per key and per value, the largest cost of a short range read in the RocksDB binding.
 */
export interface TextIterableEngine extends StorageEngine {
  /** The values within the range in key order (or reverse), decoded as UTF-8, without their keys. */
  iterateText(range: KeyRange): AsyncIterable<string>;
}

export function canIterateText(engine: StorageEngine): engine is TextIterableEngine {
  return typeof (engine as Partial<TextIterableEngine>).iterateText === 'function';
}
