import type { Bytes, KeyRange, SyncWritableEngine, WriteOp, WriteOptions } from './engine.js';
import { compareBytes, inRange } from './compare.js';

/**
 * An in-memory engine for unit tests and simulation: a sorted array of entries. Writes are
 * atomic because they run synchronously; `sync` has no meaning without a disk.
 */
export class MemoryEngine implements SyncWritableEngine {
  private keys: Bytes[] = [];
  private values: Bytes[] = [];
  private closed = false;

  async get(key: Bytes): Promise<Bytes | undefined> {
    this.checkOpen();
    const index = this.search(key);
    return index >= 0 ? this.values[index] : undefined;
  }

  getSync(key: Bytes): Bytes | undefined {
    this.checkOpen();
    const index = this.search(key);
    return index >= 0 ? this.values[index] : undefined;
  }

  async getMany(keys: readonly Bytes[]): Promise<(Bytes | undefined)[]> {
    this.checkOpen();
    return keys.map((key) => {
      const index = this.search(key);
      return index >= 0 ? this.values[index] : undefined;
    });
  }

  async write(ops: readonly WriteOp[], options?: WriteOptions): Promise<void> {
    this.writeSync(ops, options);
  }

  writeSync(ops: readonly WriteOp[], _options?: WriteOptions): void {
    this.checkOpen();
    for (const op of ops) {
      const index = this.search(op.key);
      if (op.type === 'put') {
        // Copies: a Buffer's `slice` is a view, and callers may reuse their arrays.
        const value = new Uint8Array(op.value);
        if (index >= 0) this.values[index] = value;
        else {
          this.keys.splice(-index - 1, 0, new Uint8Array(op.key));
          this.values.splice(-index - 1, 0, value);
        }
      } else if (index >= 0) {
        this.keys.splice(index, 1);
        this.values.splice(index, 1);
      }
    }
  }

  async *iterate(range: KeyRange): AsyncIterable<[Bytes, Bytes]> {
    this.checkOpen();
    // Snapshot the matching entries first: later writes must not show through the iterator.
    const entries: [Bytes, Bytes][] = [];
    for (let i = 0; i < this.keys.length; i++) {
      const key = this.keys[i] as Bytes;
      if (inRange(key, range)) entries.push([key, this.values[i] as Bytes]);
    }
    if (range.reverse) entries.reverse();
    const limit = range.limit ?? Infinity;
    let yielded = 0;
    for (const entry of entries) {
      if (yielded++ >= limit) return;
      yield entry;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Index of the key, or -(insertion point) - 1. */
  private search(key: Bytes): number {
    let low = 0;
    let high = this.keys.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const diff = compareBytes(this.keys[mid] as Bytes, key);
      if (diff === 0) return mid;
      if (diff < 0) low = mid + 1;
      else high = mid - 1;
    }
    return -low - 1;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('engine is closed');
  }
}
