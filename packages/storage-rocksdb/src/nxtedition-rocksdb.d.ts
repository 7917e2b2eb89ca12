// The subset of @nxtedition/rocksdb (an abstract-level store) that Shoal uses; it ships no types.
declare module '@nxtedition/rocksdb' {
  interface IteratorOptions {
    gt?: Buffer;
    gte?: Buffer;
    lt?: Buffer;
    lte?: Buffer;
    reverse?: boolean;
    limit?: number;
    /** The binding leaves iterated blocks out of the block cache unless asked. */
    fillCache?: boolean;
    /** Without keys, an entry's key is undefined. */
    keys?: boolean;
    /** 'utf8' hands values over as strings. */
    valueEncoding?: 'utf8' | 'buffer';
  }
  interface RocksIterator {
    nextv(size: number): Promise<[Buffer | undefined, Buffer | string][]>;
    /** Undocumented (underscore): one batch read on the calling thread; rows are [key, value, key, value, ...]. */
    _nextvSync?(size: number, options: object): { rows: (Buffer | string | undefined)[]; finished: boolean };
    close(): Promise<void>;
  }
  type BatchOperation = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };
  export class RocksLevel {
    constructor(location: string, options: { keyEncoding: 'buffer'; valueEncoding: 'buffer' });
    open(options?: { createIfMissing?: boolean; cacheSize?: number; compression?: boolean; walCompression?: boolean }): Promise<void>;
    getMany(keys: Buffer[]): Promise<(Buffer | undefined)[]>;
    batch(operations: BatchOperation[], options: { sync: boolean }): Promise<void>;
    iterator(options: IteratorOptions): RocksIterator;
    close(): Promise<void>;
    readonly status: 'opening' | 'open' | 'closing' | 'closed';
  }
}
