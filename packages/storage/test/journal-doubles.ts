import type { SeededRandom } from '@shoal/base';
import { MemoryEngine, type JournalFile, type WriteOp, type WriteOptions } from '@shoal/storage';

/**
 * The engine below the journal, as RocksDB behaves on a power loss: every batch up to the last
 * synced one survives, and of the later (unsynced) ones some prefix, never a hole.
 */
export class PowerLossEngine extends MemoryEngine {
  private readonly batches: WriteOp[][] = [];
  private syncedBatches = 0;

  override writeSync(ops: readonly WriteOp[], options?: WriteOptions): void {
    super.writeSync(ops, options);
    this.batches.push(ops.map((op) => (op.type === 'put' ? { type: 'put', key: new Uint8Array(op.key), value: new Uint8Array(op.value) } : { type: 'del', key: new Uint8Array(op.key) })));
    if (options?.sync) this.syncedBatches = this.batches.length;
  }

  /** What a new engine finds after a power loss now. */
  survivors(random: SeededRandom): PowerLossEngine {
    const kept = this.syncedBatches + random.int(this.batches.length - this.syncedBatches + 1);
    const engine = new PowerLossEngine();
    for (const ops of this.batches.slice(0, kept)) engine.writeSync(ops, { sync: true });
    return engine;
  }
}

/**
 * A journal file in memory, as a disk behaves on a power loss: what was synced survives; each
 * write since, whole, torn (a prefix of its bytes) or not at all, in any order.
 */
export class PowerLossJournalFile implements JournalFile {
  private durable: Uint8Array;
  private volatile: Uint8Array;
  private unsynced: { offset: number; bytes: Uint8Array }[] = [];

  constructor(content: Uint8Array = new Uint8Array(4096)) {
    this.durable = new Uint8Array(content);
    this.volatile = new Uint8Array(content);
  }

  get size(): number {
    return this.volatile.length;
  }

  readAll(): Uint8Array {
    return this.volatile.slice();
  }

  write(bytes: Uint8Array, offset: number): void {
    if (offset + bytes.length > this.volatile.length) throw new Error(`write past the file's end (${offset + bytes.length} > ${this.volatile.length})`);
    this.volatile.set(bytes, offset);
    // A copy: the caller reuses its buffer (a Buffer's slice would be a view of it).
    this.unsynced.push({ offset, bytes: new Uint8Array(bytes) });
  }

  sync(): void {
    this.durable = this.volatile.slice();
    this.unsynced = [];
  }

  extend(size: number): void {
    const grown = new Uint8Array(size);
    grown.set(this.volatile);
    this.volatile = grown;
    const durable = new Uint8Array(size);
    durable.set(this.durable);
    this.durable = durable;
  }

  close(): void {}

  survivors(random: SeededRandom): PowerLossJournalFile {
    const image = this.durable.slice();
    for (const write of shuffled(this.unsynced, random)) {
      const kept = random.pick(['none', 'torn', 'whole'] as const);
      if (kept === 'none') continue;
      const bytes = kept === 'whole' ? write.bytes : write.bytes.subarray(0, random.int(write.bytes.length));
      image.set(bytes, write.offset);
    }
    return new PowerLossJournalFile(image);
  }
}

function shuffled<T>(items: readonly T[], random: SeededRandom): T[] {
  const copy = items.slice();
  for (let i = copy.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
