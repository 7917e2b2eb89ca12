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

    // Unsynced writes issued before a microtask runs go out as one unsynced write, without waiting for a turn.
    const before = engine.writes.length;
    await Promise.all([a!.write([put(3, 9)], { sync: false }), c!.write([put(3, 8), put(4, 8)], { sync: false })]);
    expect(engine.writes.slice(before)).toEqual([{ ops: 3, sync: false }]);
    expect([await a!.get(Uint8Array.of(3)), await c!.get(Uint8Array.of(4))]).toEqual([Uint8Array.of(9), Uint8Array.of(8)]);
    // Closing a view leaves the engine open.
    await a!.close();
    expect(await c!.get(Uint8Array.of(1))).toEqual(Uint8Array.of(3));
    await shared.close();
  });

  it('fails every unsynced write of a batch the engine refused', async () => {
    const engine = new RecordingEngine();
    const shared = new SharedEngine(engine);
    const [a, b] = [1, 2].map((node) => shared.view(Uint8Array.of(0x60, 0, node)));
    await engine.close(); // a closed memory engine refuses writes
    const outcomes = await Promise.allSettled([a!.write([put(1, 1)], { sync: false }), b!.write([put(1, 2)], { sync: false })]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(engine.writes).toEqual([{ ops: 2, sync: false }]);
  });
});
