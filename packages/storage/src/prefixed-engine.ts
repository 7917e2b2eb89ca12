import type { Bytes, KeyRange, StorageEngine, SyncReadableEngine, WriteOp, WriteOptions } from './engine.js';
import { canReadSync } from './engine.js';

/**
 * A keyspace inside another engine: every key is stored behind `prefix`, and the view sees only
 * its own keys, without the prefix. A node's partition replicas share one RocksDB this way, each
 * in its own keyspace, so that a partition can be iterated, copied or dropped as one range.
 */
export class PrefixedEngine implements SyncReadableEngine {
  private readonly end: Bytes;
  /**
   * Where reads go: a keyspace inside another keyspace (a partition's, inside a node's) reads the
   * innermost engine with both prefixes at once, one layer instead of two for every key and every
   * entry of a scan. Writes still go through `inner`, whose keys `outer` and `outerOps` name.
   */
  private readonly base: StorageEngine;
  private readonly basePrefix: Bytes;
  private readonly baseEnd: Bytes;

  constructor(
    private readonly inner: StorageEngine,
    readonly prefix: Bytes,
  ) {
    this.end = prefixEnd(prefix);
    if (inner instanceof PrefixedEngine) {
      this.base = inner.base;
      this.basePrefix = withPrefix(inner.basePrefix, prefix);
    } else {
      this.base = inner;
      this.basePrefix = prefix;
    }
    this.baseEnd = prefixEnd(this.basePrefix);
  }

  /** The stored key of a key of this keyspace. */
  outer(key: Bytes): Bytes {
    return withPrefix(this.prefix, key);
  }

  /** The key in the innermost engine, where reads go. */
  private baseKey(key: Bytes): Bytes {
    return withPrefix(this.basePrefix, key);
  }

  /** The same operations, addressed to this keyspace's stored keys. */
  outerOps(ops: readonly WriteOp[]): WriteOp[] {
    return ops.map((op) => (op.type === 'put' ? { type: 'put', key: this.outer(op.key), value: op.value } : { type: 'del', key: this.outer(op.key) }));
  }

  /** The range of the inner engine holding this whole keyspace. */
  outerRange(): { gte: Bytes; lt: Bytes } {
    return { gte: this.prefix, lt: this.end };
  }

  get(key: Bytes): Promise<Bytes | undefined> {
    return this.base.get(this.baseKey(key));
  }

  getSync(key: Bytes): Bytes | undefined {
    if (!canReadSync(this.base)) throw new Error('the inner engine cannot read synchronously');
    return this.base.getSync(this.baseKey(key));
  }

  getMany(keys: readonly Bytes[]): Promise<(Bytes | undefined)[]> {
    return this.base.getMany(keys.map((key) => this.baseKey(key)));
  }

  write(ops: readonly WriteOp[], options: WriteOptions): Promise<void> {
    return this.inner.write(this.outerOps(ops), options);
  }

  async *iterate(range: KeyRange): AsyncIterable<[Bytes, Bytes]> {
    const outer: KeyRange = {};
    if (range.gt) outer.gt = this.baseKey(range.gt);
    if (range.gte) outer.gte = this.baseKey(range.gte);
    if (!range.gt && !range.gte) outer.gte = this.basePrefix;
    if (range.lt) outer.lt = this.baseKey(range.lt);
    if (range.lte) outer.lte = this.baseKey(range.lte);
    if (!range.lt && !range.lte) outer.lt = this.baseEnd;
    if (range.reverse) outer.reverse = true;
    if (range.limit !== undefined) outer.limit = range.limit;
    const length = this.basePrefix.length;
    for await (const [key, value] of this.base.iterate(outer)) yield [key.subarray(length), value];
  }

  /** Closing a view leaves the shared engine open. */
  async close(): Promise<void> {}
}

/**
 * A Buffer from Node's pool (allocUnsafe: every byte is written below), not a `new Uint8Array`:
 * V8 keeps typed arrays of up to 64 bytes on its heap, and the RocksDB binding's
 * `napi_get_buffer_info` then has to move each one off the heap (a malloc and a copy per key).
 */
function withPrefix(prefix: Bytes, key: Bytes): Bytes {
  const out = Buffer.allocUnsafe(prefix.length + key.length);
  out.set(prefix, 0);
  out.set(key, prefix.length);
  return out;
}

/** The smallest key greater than every key starting with `prefix`. */
export function prefixEnd(prefix: Bytes): Bytes {
  let length = prefix.length;
  while (length > 0 && prefix[length - 1] === 0xff) length--;
  if (length === 0) throw new Error('a prefix of only 0xff bytes has no end');
  // A copy (a Buffer's `slice` would be a view, and the increment below would change `prefix`).
  const end = new Uint8Array(length);
  end.set(prefix.subarray(0, length));
  end[length - 1] = (end[length - 1] as number) + 1;
  return end;
}
