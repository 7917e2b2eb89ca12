import { describe, expect, it } from 'vitest';
import { MemoryEngine, SharedEngine, type WriteOp, type WriteOptions } from '@shoal/storage';
import { describeStorageCompliance } from '@shoal/storage/compliance';

describeStorageCompliance('shared engine view', async () => new SharedEngine(new MemoryEngine()).view(Uint8Array.of(0x60, 0, 1)), { persistent: false });

/** A memory engine that records the writes it receives. */
class RecordingEngine extends MemoryEngine {
  readonly writes: { ops: number; sync: boolean }[] = [];

  override write(ops: readonly WriteOp[], options: WriteOptions): Promise<void> {
    this.writes.push({ ops: ops.length, sync: options.sync });
    return super.write(ops, options);
  }
}

const put = (key: number, value: number): WriteOp => ({ type: 'put', key: Uint8Array.of(key), value: Uint8Array.of(value) });

describe('shared engine', () => {
  it("sends the synced writes its views issue in one turn as one synced batch, each view's keys behind its prefix", async () => {
    const engine = new RecordingEngine();
    const shared = new SharedEngine(engine);
    const [a, b, c] = [1, 2, 3].map((node) => shared.view(Uint8Array.of(0x60, 0, node)));
    await Promise.all([a!.write([put(1, 1), put(2, 1)], { sync: true }), b!.write([put(1, 2)], { sync: true }), c!.write([put(1, 3)], { sync: true })]);
    expect(engine.writes).toEqual([{ ops: 4, sync: true }]);
    expect(shared.stats).toEqual({ syncs: 1, ops: 4, refused: 0 });
    expect(await b!.get(Uint8Array.of(1))).toEqual(Uint8Array.of(2));
    expect(await engine.get(Uint8Array.of(0x60, 0, 3, 1))).toEqual(Uint8Array.of(3));

    // Unsynced writes go straight through; closing a view leaves the engine open.
    await a!.write([put(3, 9)], { sync: false });
    expect(engine.writes.at(-1)).toEqual({ ops: 1, sync: false });
    await a!.close();
    expect(await c!.get(Uint8Array.of(1))).toEqual(Uint8Array.of(3));
    await shared.close();
  });
});
