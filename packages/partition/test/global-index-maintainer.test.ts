import { describe, expect, it } from 'vitest';
import type { Item } from '@shoal/model';
import { CHANGE_PREFIX, INDEX_PREFIX, PartitionStore, decodeItem, type IndexHandle, type TableHandle } from '@shoal/partition';
import { GroupCommitWriter, MemoryEngine } from '@shoal/storage';

const byGenre: IndexHandle = { indexNumber: 1, name: 'ByGenre', kind: 'global', shape: { partitionKey: { name: 'genre', type: 'S' } }, projected: [] };
const table: TableHandle = { tableNumber: 3, shape: { partitionKey: { name: 'id', type: 'S' } }, indexes: [byGenre] };
const put = (item: Item) => ({ kind: 'put' as const, item, returnValues: 'NONE' as const, returnItemOnConditionFailure: false });
const del = (key: Item) => ({ kind: 'delete' as const, key, returnValues: 'NONE' as const, returnItemOnConditionFailure: false });

async function rows(engine: MemoryEngine, prefix: number): Promise<Item[]> {
  const found: Item[] = [];
  for await (const [, value] of engine.iterate({ gte: Uint8Array.of(prefix), lt: Uint8Array.of(prefix + 1) })) found.push(prefix === INDEX_PREFIX ? decodeItem(value) : { record: { S: 'change' } });
  return found;
}

describe('global indexes maintained from the change log', () => {
  it('acknowledges writes before their index entries exist, then converges in write order, also after a restart', async () => {
    const engine = new MemoryEngine();
    const first = new PartitionStore(engine, new GroupCommitWriter(engine));
    // Maintenance not started (as between a crash and the restart): writes leave change records.
    await first.execute(table, { id: { S: 'a' } }, put({ id: { S: 'a' }, genre: { S: 'rock' } }));
    await first.execute(table, { id: { S: 'b' } }, put({ id: { S: 'b' }, genre: { S: 'jazz' } }));
    await first.execute(table, { id: { S: 'a' } }, put({ id: { S: 'a' }, genre: { S: 'pop' } }));
    await first.execute(table, { id: { S: 'b' } }, del({ id: { S: 'b' } }));
    await first.execute(table, { id: { S: 'c' } }, put({ id: { S: 'c' } })); // sparse: no genre
    expect(await rows(engine, INDEX_PREFIX)).toEqual([]);
    expect(await rows(engine, CHANGE_PREFIX)).toHaveLength(5);

    // A restarted store applies what was left, in order, and deletes the records.
    const second = new PartitionStore(engine, new GroupCommitWriter(engine));
    await second.startIndexMaintenance((tableNumber) => (tableNumber === table.tableNumber ? table : undefined));
    await second.indexesSettled();
    expect(await rows(engine, INDEX_PREFIX)).toEqual([{ id: { S: 'a' }, genre: { S: 'pop' } }]);
    expect(await rows(engine, CHANGE_PREFIX)).toEqual([]);

    // New writes continue the sequence after the restart.
    await second.execute(table, { id: { S: 'd' } }, put({ id: { S: 'd' }, genre: { S: 'folk' } }));
    await second.indexesSettled();
    const entries = await rows(engine, INDEX_PREFIX);
    expect(entries.map((item) => JSON.stringify([item.id, item.genre])).sort()).toEqual([JSON.stringify([{ S: 'a' }, { S: 'pop' }]), JSON.stringify([{ S: 'd' }, { S: 'folk' }])]);
    expect((await second.indexStatisticsOf(table.tableNumber, byGenre.indexNumber)).itemCount).toBe(2);
  });

  it('waits for room when the write queue is full instead of failing the store', async () => {
    const engine = new MemoryEngine();
    // A queue of 8 operations: client writes beyond it are refused (throttled), and the index
    // maintainer's batches must wait their turn rather than fail.
    const store = new PartitionStore(engine, new GroupCommitWriter(engine, { queueOpsMax: 8 }));
    await store.startIndexMaintenance((tableNumber) => (tableNumber === table.tableNumber ? table : undefined));
    const outcomes = [];
    for (let wave = 0; wave < 20; wave++) {
      // Ten writes at once (twenty operations with their change records) overflow the queue.
      const keys = Array.from({ length: 10 }, (_, i) => `k${(wave * 10 + i) % 50}`);
      outcomes.push(...(await Promise.all(keys.map((id, i) => store.execute(table, { id: { S: id } }, put({ id: { S: id }, genre: { S: `g${wave}-${i}` } }))))));
    }
    const applied = outcomes.filter((outcome) => outcome.status === 'applied').length;
    const throttled = outcomes.filter((outcome) => outcome.status === 'rejected' && outcome.rejection.type === 'ProvisionedThroughputExceededException').length;
    expect(applied + throttled).toBe(200);
    expect(throttled).toBeGreaterThan(0);
    await store.indexesSettled();
    // The store still takes writes, and the index holds exactly one entry per stored item.
    expect((await store.execute(table, { id: { S: 'after' } }, put({ id: { S: 'after' }, genre: { S: 'z' } }))).status).toBe('applied');
    await store.indexesSettled();
    const items: string[] = [];
    for await (const [, { item }] of store.scan({ gte: Uint8Array.of(0x10), lt: Uint8Array.of(0x11) })) items.push(JSON.stringify([item.id, item.genre]));
    const entries = (await rows(engine, INDEX_PREFIX)).map((item) => JSON.stringify([item.id, item.genre]));
    expect(entries.sort()).toEqual(items.sort());
    expect(items.length).toBeGreaterThan(10);
  });

  it('drops the change records of a table that no longer exists', async () => {
    const engine = new MemoryEngine();
    const store = new PartitionStore(engine, new GroupCommitWriter(engine));
    await store.execute(table, { id: { S: 'a' } }, put({ id: { S: 'a' }, genre: { S: 'rock' } }));
    await store.startIndexMaintenance(() => undefined);
    await store.indexesSettled();
    expect(await rows(engine, CHANGE_PREFIX)).toEqual([]);
    expect(await rows(engine, INDEX_PREFIX)).toEqual([]);
  });
});
