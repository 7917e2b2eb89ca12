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
    expect(second.indexStatisticsOf(table.tableNumber, byGenre.indexNumber).itemCount).toBe(2);
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
