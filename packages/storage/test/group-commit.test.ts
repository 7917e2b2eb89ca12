import { describe, expect, it } from 'vitest';
import { GroupCommitWriter, MemoryEngine, type WriteOp } from '@shoal/storage';

/** An engine whose synced writes complete only when the test says so. */
class GatedEngine extends MemoryEngine {
  readonly writes: { ops: readonly WriteOp[]; sync: boolean; release: (error?: Error) => void }[] = [];
  override write(ops: readonly WriteOp[], options: { sync: boolean }): Promise<void> {
    return new Promise((resolve, reject) => {
      this.writes.push({ ops, sync: options.sync, release: (error) => (error ? reject(error) : super.write(ops, options).then(resolve)) });
    });
  }
}

const put = (key: number): WriteOp => ({ type: 'put', key: Uint8Array.of(key), value: Uint8Array.of(key) });
/** Lets pending immediates (the writer's rounds) and promise reactions run. */
const flush = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

describe('GroupCommitWriter', () => {
  it('syncs writes issued together once, and coalesces writes queued behind an in-flight sync', async () => {
    const engine = new GatedEngine();
    const writer = new GroupCommitWriter(engine);
    const settled: number[] = [];
    const first = writer.write([put(1)]).then(() => settled.push(1));
    const second = writer.write([put(2)]).then(() => settled.push(2));
    await flush();
    expect(engine.writes.map((w) => [w.ops.length, w.sync])).toEqual([[2, true]]);
    const third = writer.write([put(3), put(4)]).then(() => settled.push(3));
    const fourth = writer.write([put(5)]).then(() => settled.push(4));
    await flush();
    expect(engine.writes).toHaveLength(1);
    engine.writes[0]!.release();
    await flush();
    expect(settled).toEqual([1, 2]);
    expect(engine.writes.map((w) => [w.ops.length, w.sync])).toEqual([[2, true], [3, true]]);
    engine.writes[1]!.release();
    await Promise.all([first, second, third, fourth]);
    expect(settled).toEqual([1, 2, 3, 4]);
    expect(await engine.getMany([Uint8Array.of(2), Uint8Array.of(4)])).toEqual([Uint8Array.of(2), Uint8Array.of(4)]);
  });

  it('bounds a batch, and rejects exactly the writers whose sync failed', async () => {
    const engine = new GatedEngine();
    const writer = new GroupCommitWriter(engine, 2);
    const results: string[] = [];
    const track = (name: string, promise: Promise<void>) => promise.then(() => results.push(`${name} ok`), () => results.push(`${name} failed`));
    const all = ['a', 'b', 'c', 'd', 'e'].map((name, i) => track(name, writer.write([put(i)])));
    await flush();
    expect(engine.writes.map((w) => w.ops.length)).toEqual([2]);
    engine.writes[0]!.release();
    await flush();
    expect(engine.writes.map((w) => w.ops.length)).toEqual([2, 2]);
    engine.writes[1]!.release(new Error('disk full'));
    await flush();
    engine.writes[2]!.release();
    await Promise.all(all);
    expect(results).toEqual(['a ok', 'b ok', 'c failed', 'd failed', 'e ok']);
  });
});
