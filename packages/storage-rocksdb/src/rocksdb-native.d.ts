// The subset of rocksdb-native 3.x (holepunch; a CommonJS class export) that Shoal uses; it ships no types.
declare module 'rocksdb-native' {
  interface NativeRange {
    gt?: Buffer;
    gte?: Buffer;
    lt?: Buffer;
    lte?: Buffer;
    reverse?: boolean;
    limit?: number;
    /** Entries fetched per native read. */
    capacity?: number;
  }
  interface NativeWriteBatch {
    tryPut(key: Buffer, value: Buffer): void;
    tryDelete(key: Buffer): void;
    flush(): Promise<void>;
  }
  interface NativeReadBatch {
    get(key: Buffer): Promise<Buffer | null>;
    tryFlush(): void;
  }
  export default class RocksDB {
    constructor(path: string, options?: { createIfMissing?: boolean });
    ready(): Promise<void>;
    /** A session reading from a snapshot taken now; close it to release the snapshot. */
    snapshot(): RocksDB;
    write(options?: { capacity?: number; autoDestroy?: boolean }): NativeWriteBatch;
    read(options?: { capacity?: number; autoDestroy?: boolean }): NativeReadBatch;
    iterator(range: NativeRange): AsyncIterable<{ key: Buffer; value: Buffer }>;
    currentWalFile(): Promise<{ path: string; number: number }>;
    close(): Promise<void>;
  }
}
