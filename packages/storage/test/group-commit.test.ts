import { describe, expect, it } from 'vitest';
import { isShoalError } from '@shoal/base';
import { GroupCommitQueueFull, GroupCommitWriter, MemoryEngine, type WriteOp, type WriteOptions } from '@shoal/storage';

/** An engine whose writes complete only when the test releases them, one by one. */
class GatedEngine extends MemoryEngine {
  readonly writes: { ops: readonly WriteOp[]; sync: boolean; release: (error?: Error) => void }[] = [];
  override write(ops: readonly WriteOp[], options: WriteOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      this.writes.push({ ops, sync: options.sync, release: (error) => (error ? reject(error) : super.write(ops, options).then(resolve)) });
    });
  }
  /** [operation count, sync] of each write so far. */
  shape(): [number, boolean][] {
    return this.writes.map((w) => [w.ops.length, w.sync]);
  }
}

const put = (key: number): WriteOp => ({ type: 'put', key: Uint8Array.of(key), value: Uint8Array.of(key) });
const keysOf = (ops: readonly WriteOp[]) => ops.map((op) => op.key[0]);
/** Lets pending immediates (the writer's rounds) and promise reactions run; no timers involved. */
const flush = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
const track = (results: string[], name: string, promise: Promise<void>) =>
  promise.then(
    () => void results.push(`${name} ok`),
    (error: unknown) => void results.push(`${name} ${isShoalError(error) ? error.code : (error as Error).message}`),
  );

describe('GroupCommitWriter', () => {
  it('syncs writes issued together once, and coalesces writes queued behind an in-flight sync', async () => {
    const engine = new GatedEngine();
    const writer = new GroupCommitWriter(engine);
    const settled: number[] = [];
    const first = writer.write([put(1)]).then(() => settled.push(1));
    const second = writer.write([put(2)]).then(() => settled.push(2));
    await flush();
    expect(engine.shape()).toEqual([[2, true]]);
    const third = writer.write([put(3), put(4)]).then(() => settled.push(3));
    const fourth = writer.write([put(5)]).then(() => settled.push(4));
    await flush();
    // Nobody resolves before the sync covering them, and the queued writes wait for it.
    expect(engine.writes).toHaveLength(1);
    expect(settled).toEqual([]);
    expect(writer.pendingOps).toBe(3);
    engine.writes[0]!.release();
    await flush();
    expect(settled).toEqual([1, 2]);
    expect(engine.shape()).toEqual([[2, true], [3, true]]);
    // One batch, in request order.
    expect(keysOf(engine.writes[1]!.ops)).toEqual([3, 4, 5]);
    engine.writes[1]!.release();
    await Promise.all([first, second, third, fourth]);
    expect(settled).toEqual([1, 2, 3, 4]);
    expect(writer.stats).toEqual({ syncs: 2, ops: 5, refused: 0 });
    expect(await engine.getMany([Uint8Array.of(2), Uint8Array.of(4)])).toEqual([Uint8Array.of(2), Uint8Array.of(4)]);
  });

  it('with drainOn microtask, syncs what one callback queued in that same turn, and what the next callback queues apart', async () => {
    const engine = new MemoryEngine();
    const synced: number[][] = [];
    const write = engine.write.bind(engine);
    engine.write = (ops, options) => {
      if (options?.sync) synced.push(keysOf(ops) as number[]);
      return write(ops, options);
    };
    const writer = new GroupCommitWriter(engine, { drainOn: 'microtask' });
    const done: number[] = [];
    // Two callbacks of one check phase, as a RoundScheduler's and another immediate would be.
    await new Promise<void>((resolve) => {
      setImmediate(() => {
        void writer.write([put(1)]).then(() => done.push(1));
        void writer.write([put(2)]).then(() => done.push(2));
      });
      setImmediate(() => {
        // The first callback's writes are already synced: the drain did not wait for a turn.
        expect([synced, done]).toEqual([[[1, 2]], [1, 2]]);
        void writer.write([put(3)]).then(() => done.push(3));
        setImmediate(resolve);
      });
    });
    expect([synced, done]).toEqual([[[1, 2], [3]], [1, 2, 3]]);
  });

  it('bounds a batch, and rejects exactly the writers whose sync failed', async () => {
    const engine = new GatedEngine();
    const writer = new GroupCommitWriter(engine, { batchOpsMax: 2 });
    const results: string[] = [];
    const all = ['a', 'b', 'c', 'd', 'e'].map((name, i) => track(results, name, writer.write([put(i)])));
    await flush();
    expect(engine.writes.map((w) => w.ops.length)).toEqual([2]);
    engine.writes[0]!.release();
    await flush();
    expect(engine.writes.map((w) => w.ops.length)).toEqual([2, 2]);
    engine.writes[1]!.release(new Error('disk full'));
    await flush();
    expect(engine.writes.map((w) => w.ops.length)).toEqual([2, 2, 1]);
    engine.writes[2]!.release();
    await Promise.all(all);
    expect(results).toEqual(['a ok', 'b ok', 'c disk full', 'd disk full', 'e ok']);
  });

  it('sends a request larger than the batch bound alone, never split', async () => {
    const engine = new GatedEngine();
    const writer = new GroupCommitWriter(engine, { batchOpsMax: 2 });
    const done = [writer.write([put(1)]), writer.write([put(2), put(3), put(4)]), writer.write([put(5)])];
    await flush();
    expect(keysOf(engine.writes[0]!.ops)).toEqual([1]);
    engine.writes[0]!.release();
    await flush();
    expect(keysOf(engine.writes[1]!.ops)).toEqual([2, 3, 4]);
    engine.writes[1]!.release();
    await flush();
    expect(keysOf(engine.writes[2]!.ops)).toEqual([5]);
    engine.writes[2]!.release();
    await Promise.all(done);
  });

  it('refuses writes past the queue bound without attempting them, and accepts again once drained', async () => {
    const engine = new GatedEngine();
    const writer = new GroupCommitWriter(engine, { queueOpsMax: 3 });
    const results: string[] = [];
    const all = [track(results, 'inflight', writer.write([put(0)]))];
    await flush();
    expect(engine.writes).toHaveLength(1);
    all.push(track(results, 'b', writer.write([put(1), put(2)])));
    all.push(track(results, 'c', writer.write([put(3)])));
    const refused = writer.write([put(4)]);
    all.push(track(results, 'd', refused));
    await expect(refused).rejects.toThrow(GroupCommitQueueFull);
    expect(writer.pendingOps).toBe(3);
    engine.writes[0]!.release();
    await flush();
    expect(keysOf(engine.writes[1]!.ops)).toEqual([1, 2, 3]);
    // The queue is empty again: even a request over the bound is accepted.
    all.push(track(results, 'big', writer.write([put(5), put(6), put(7), put(8)])));
    engine.writes[1]!.release();
    await flush();
    engine.writes[2]!.release();
    await Promise.all(all);
    expect(results).toEqual(['d GroupCommitQueueFull', 'inflight ok', 'b ok', 'c ok', 'big ok']);
    expect(engine.shape()).toEqual([[1, true], [3, true], [4, true]]);
    expect(writer.stats.refused).toBe(1);
  });

  it('rejects the group when the engine throws synchronously, then carries on', async () => {
    const engine = new GatedEngine();
    let throwNext = true;
    const original = engine.write.bind(engine);
    engine.write = (ops, options) => {
      if (throwNext) {
        throwNext = false;
        throw new Error('closed');
      }
      return original(ops, options);
    };
    const writer = new GroupCommitWriter(engine);
    const results: string[] = [];
    const first = [track(results, 'a', writer.write([put(1)])), track(results, 'b', writer.write([put(2)]))];
    await Promise.all(first);
    const later = track(results, 'c', writer.write([put(3)]));
    await flush();
    engine.writes[0]!.release();
    await later;
    expect(results).toEqual(['a closed', 'b closed', 'c ok']);
  });

  it('resolves an empty request only after the sync of everything queued before it', async () => {
    const engine = new GatedEngine();
    const writer = new GroupCommitWriter(engine);
    const results: string[] = [];
    const all = [track(results, 'write', writer.write([put(1)])), track(results, 'barrier', writer.write([]))];
    await flush();
    expect(results).toEqual([]);
    engine.writes[0]!.release();
    await Promise.all(all);
    expect(results).toEqual(['write ok', 'barrier ok']);
  });

  it('asserts on nonsensical limits', () => {
    expect(() => new GroupCommitWriter(new MemoryEngine(), { batchOpsMax: 0 })).toThrow('batchOpsMax');
    expect(() => new GroupCommitWriter(new MemoryEngine(), { queueOpsMax: 1.5 })).toThrow('queueOpsMax');
  });
});
