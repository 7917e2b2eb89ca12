import { describe, expect, it } from 'vitest';
import { prepareExpressions } from '@shoal/expressions';
import type { TableStatistics } from '@shoal/metadata';
import { itemSizeBytes } from '@shoal/model';
import { PartitionStore, tableKeyRange, type IndexHandle, type WriteCommand, type WriteOutcome } from '@shoal/partition';
import { MemoryEngine, type Bytes, type KeyRange, type StorageEngine, type WriteOp } from '@shoal/storage';

/** A durable writer whose syncs complete only when the test releases them, over a memory engine. */
class GatedWriter {
  readonly batches: { ops: WriteOp[]; release: () => void }[] = [];
  constructor(private readonly engine: StorageEngine) {}
  write(ops: WriteOp[]): Promise<void> {
    return new Promise((resolve) => {
      this.batches.push({ ops, release: () => void this.engine.write(ops, { sync: true }).then(resolve) });
    });
  }
}

/** The memory engine without its synchronous read, to drive the asynchronous prefetch path. */
function asyncOnly(engine: MemoryEngine): StorageEngine {
  return {
    get: (key) => engine.get(key),
    getMany: (keys) => engine.getMany(keys),
    write: (ops, options) => engine.write(ops, options),
    iterate: (range) => engine.iterate(range),
    close: () => engine.close(),
  };
}

const table = { tableNumber: 1, shape: { partitionKey: { name: 'id', type: 'S' as const } } };
const key = { id: { S: 'counter' } };
const flush = () => new Promise((resolve) => setImmediate(resolve));
const hex = (bytes: Uint8Array | undefined): string => (bytes ? Buffer.from(bytes).toString('hex') : '');

function increment(): WriteCommand {
  const { update } = prepareExpressions({ UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } } });
  return { kind: 'update', key, update: update!, returnValues: 'UPDATED_NEW', returnItemOnConditionFailure: false };
}

for (const [name, wrap] of [['synchronous reads', (e: MemoryEngine) => e], ['asynchronous reads', asyncOnly]] as const) {
  describe(`PartitionStore with ${name}`, () => {
    it('pipelines writes to one item: each applies on the previous, acknowledged only once synced', async () => {
      const memory = new MemoryEngine();
      const writer = new GatedWriter(memory);
      const store = new PartitionStore(wrap(memory), writer);
      const acknowledged: string[] = [];
      const results = [1, 2, 3].map(() => store.execute(table, key, increment()).then((outcome) => {
        const value = outcome.status === 'applied' ? outcome.attributes?.n : undefined;
        acknowledged.push(JSON.stringify(value));
        return outcome;
      }));
      for (let i = 0; i < 5; i++) await flush();
      expect(writer.batches).toHaveLength(3);
      expect(acknowledged).toEqual([]);
      // Reads see durable state only.
      expect(await store.getItem(table, key)).toBeUndefined();
      for (const batch of writer.batches) batch.release();
      await Promise.all(results);
      expect(acknowledged).toEqual(['{"N":"1"}', '{"N":"2"}', '{"N":"3"}']);
      expect((await store.getItem(table, key))?.item).toEqual({ id: { S: 'counter' }, n: { N: '3' } });
      expect((await store.statisticsOf(1)).itemCount).toBe(1);
    });

    it('answers a failed condition only once the write it observed is durable', async () => {
      const memory = new MemoryEngine();
      const writer = new GatedWriter(memory);
      const store = new PartitionStore(wrap(memory), writer);
      const put = store.execute(table, key, { kind: 'put', item: { ...key, v: { N: '1' } }, returnValues: 'NONE', returnItemOnConditionFailure: false });
      const { condition } = prepareExpressions({ ConditionExpression: 'attribute_not_exists(id)' });
      let answered = false;
      const conditional = store
        .execute(table, key, { kind: 'put', item: key, condition: condition!, returnValues: 'NONE', returnItemOnConditionFailure: true })
        .then((outcome) => {
          answered = true;
          return outcome;
        });
      for (let i = 0; i < 5; i++) await flush();
      expect(answered).toBe(false);
      writer.batches[0]!.release();
      expect(await conditional).toEqual({ status: 'conditionFailed', item: { ...key, v: { N: '1' } } });
      await put;
    });
  });
}

describe('PartitionStore under back-pressure', () => {
  it('refuses a write before applying it when the durable writer is full', async () => {
    const memory = new MemoryEngine();
    let full = true;
    const writer = { write: (ops: WriteOp[]) => memory.write(ops, { sync: true }), accepts: () => !full };
    const store = new PartitionStore(memory, writer);
    const refused = await store.execute(table, key, increment());
    expect(refused).toEqual({
      status: 'rejected',
      rejection: {
        type: 'ProvisionedThroughputExceededException',
        message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
      },
    });
    full = false;
    const applied = await store.execute(table, key, increment());
    expect(applied.status === 'applied' ? applied.attributes : undefined).toEqual({ n: { N: '1' } });
  });
});

/**
 * A memory engine whose iterations, once `hold` is called (of the ranges it picks, or all), take
 * their view and then wait for `release`.
 */
class HeldScans extends MemoryEngine {
  private gate: Promise<void> = Promise.resolve();
  private opened: () => void = () => {};
  private held: (range: KeyRange) => boolean = () => true;

  hold(which: (range: KeyRange) => boolean = () => true): void {
    this.gate = new Promise((resolve) => (this.opened = resolve));
    this.held = which;
  }

  release(): void {
    this.opened();
  }

  override async *iterate(range: KeyRange): AsyncIterable<[Bytes, Bytes]> {
    const rows = super.iterate(range)[Symbol.asyncIterator]();
    // The memory engine takes its view in this first step, before the wait.
    const first = rows.next();
    if (this.held(range)) await this.gate;
    for (let row = await first; !row.done; row = await rows.next()) yield row.value;
  }
}

describe('PartitionStore recounting what it stores', () => {
  const putItem = (id: string, text: string): WriteCommand => ({ kind: 'put', item: { id: { S: id }, sk: { S: 's' }, text: { S: text } }, returnValues: 'NONE', returnItemOnConditionFailure: false });
  const shape = { partitionKey: { name: 'id', type: 'S' as const }, sortKey: { name: 'sk', type: 'S' as const } };
  const plain = { tableNumber: 1, shape };
  const byText: IndexHandle = { indexNumber: 1, name: 'byText', kind: 'local', shape: { partitionKey: { name: 'id', type: 'S' }, sortKey: { name: 'text', type: 'S' } }, projected: undefined };
  const withLocalIndex = { tableNumber: 2, shape, indexes: [byText] };
  const keyOf = (id: string) => ({ id: { S: id }, sk: { S: 's' } });
  const sizeOf = (id: string, text: string) => itemSizeBytes({ id: { S: id }, sk: { S: 's' }, text: { S: text } });

  it('serves while it recounts in the background, and counts stored items and later writes once each', async () => {
    const engine = new HeldScans();
    const direct = { write: (ops: WriteOp[]) => engine.write(ops, { sync: true }) };
    const before = new PartitionStore(engine, direct);
    for (const id of ['a', 'b', 'c']) await before.execute(plain, keyOf(id), putItem(id, 'old'));
    await before.execute(withLocalIndex, keyOf('a'), putItem('a', 'old'));

    engine.hold();
    const store = new PartitionStore(engine, direct);
    store.recount([plain, withLocalIndex]);
    // A table without local indexes takes writes during the recount: a new item and an overwrite.
    await store.execute(plain, keyOf('d'), putItem('d', 'new'));
    await store.execute(plain, keyOf('a'), putItem('a', 'longer text'));
    // Every scan is held, so a write to a table with local indexes waits: its collection is being counted.
    let localWritten = false;
    const local = store.execute(withLocalIndex, keyOf('b'), putItem('b', 'new')).then(() => (localWritten = true));
    let counted: TableStatistics | undefined;
    const statistics = Promise.resolve(store.statisticsOf(plain.tableNumber)).then((stats) => (counted = { ...stats }));
    for (let i = 0; i < 5; i++) await flush();
    expect([localWritten, counted]).toEqual([false, undefined]);

    engine.release();
    await Promise.all([local, statistics]);
    expect(counted).toEqual({ itemCount: 4, sizeBytes: sizeOf('a', 'longer text') + sizeOf('b', 'old') + sizeOf('c', 'old') + sizeOf('d', 'new') });
    expect(await store.statisticsOf(withLocalIndex.tableNumber)).toEqual({ itemCount: 2, sizeBytes: sizeOf('a', 'old') + sizeOf('b', 'new') });
    expect((await store.indexStatisticsOf(withLocalIndex.tableNumber, byText.indexNumber)).itemCount).toBe(2);
  });

  it('lets a table with local indexes take writes while its statistics are recounted', async () => {
    const engine = new HeldScans();
    const direct = { write: (ops: WriteOp[]) => engine.write(ops, { sync: true }) };
    await new PartitionStore(engine, direct).execute(withLocalIndex, keyOf('a'), putItem('a', 'old'));

    const wholeTable = tableKeyRange(withLocalIndex.tableNumber);
    engine.hold((range) => hex(range.gte) === hex(wholeTable.gte));
    const store = new PartitionStore(engine, direct);
    store.recount([withLocalIndex]);
    const written = await store.execute(withLocalIndex, keyOf('b'), putItem('b', 'new'));
    expect(written.status).toBe('applied');
    let counted: TableStatistics | undefined;
    const statistics = Promise.resolve(store.statisticsOf(withLocalIndex.tableNumber)).then((stats) => (counted = { ...stats }));
    for (let i = 0; i < 5; i++) await flush();
    expect(counted).toBeUndefined();
    engine.release();
    await statistics;
    expect(counted).toEqual({ itemCount: 2, sizeBytes: sizeOf('a', 'old') + sizeOf('b', 'new') });
  });

  it('counts an item collection from storage before a new store first writes to it', async () => {
    const engine = new MemoryEngine();
    const direct = { write: (ops: WriteOp[]) => engine.write(ops, { sync: true }) };
    const put = (sk: string, text: string): WriteCommand => ({ kind: 'put', item: { id: { S: 'a' }, sk: { S: sk }, text: { S: text } }, returnValues: 'NONE', returnItemOnConditionFailure: false });
    const key = (sk: string) => ({ id: { S: 'a' }, sk: { S: sk } });
    const collectionBytes = (outcome: WriteOutcome) => (outcome.status === 'applied' ? outcome.itemCollectionBytes : undefined);
    const before = new PartitionStore(engine, direct);
    const oneItem = collectionBytes(await before.execute(withLocalIndex, key('1'), put('1', 'x'.repeat(300))))!;
    const twoItems = collectionBytes(await before.execute(withLocalIndex, key('2'), put('2', 'x'.repeat(300))))!;
    expect(twoItems).toBe(2 * oneItem);

    // A new store (a restart, a new leader) starts knowing no sizes: it must count what is
    // stored, or a third item would fit under a limit that only two do.
    const after = new PartitionStore(engine, direct, twoItems + 100);
    const third = await after.execute(withLocalIndex, key('3'), put('3', 'x'.repeat(300)));
    expect(third).toEqual({ status: 'rejected', rejection: { type: 'ItemCollectionSizeLimitExceededException', message: 'Collection size exceeded.' } });
    const shorter = await after.execute(withLocalIndex, key('1'), put('1', 'x'.repeat(100)));
    expect(collectionBytes(shorter)).toBe(twoItems - 2 * 200);
    // Another collection of the same table is counted on its own, from nothing stored.
    const other = await after.execute(withLocalIndex, keyOf('b'), putItem('b', 'new'));
    expect(collectionBytes(other)).toBe(collectionBytes(await new PartitionStore(new MemoryEngine(), direct).execute(withLocalIndex, keyOf('b'), putItem('b', 'new'))));
  });
});
