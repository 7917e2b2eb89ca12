import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DynamoApi, indexHandles } from '@shoal/api';
import { systemClock } from '@shoal/base';
import { createHttpGateway } from '@shoal/gateway';
import { Catalog, keyShapeOf } from '@shoal/metadata';
import { PartitionStore } from '@shoal/partition';
import { GroupCommitWriter, MemoryEngine, type StorageEngine } from '@shoal/storage';
import { openRocksDbEngine } from '@shoal/storage-rocksdb';

export interface EmbeddedServerOptions {
  port: number;
  host: string;
  /** Directory of the RocksDB store; `undefined` keeps everything in memory (tests only). */
  dataDir: string | undefined;
  region: string;
  accountId: string;
  tableActivationDelayMs: number;
  /** Item-collection limit of tables with local indexes (DynamoDB: 10 GB). */
  itemCollectionBytesMax?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_OPTIONS: EmbeddedServerOptions = {
  port: 8000,
  host: '0.0.0.0',
  dataDir: './data',
  region: 'us-east-1',
  accountId: '000000000000',
  tableActivationDelayMs: 0,
};

/**
 * The embedded server: one storage engine, the catalog, the partition store and the HTTP
 * gateway in one process. Every acknowledged write has been synced to the engine's WAL
 * (through the group-commit writer) before its response is sent.
 */
export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<RunningServer> {
  const engine: StorageEngine = options.dataDir ? await openRocksDbEngine(options.dataDir) : new MemoryEngine();
  const writer = new GroupCommitWriter(engine);
  const catalog = await Catalog.open(engine);
  const store = new PartitionStore(engine, writer, options.itemCollectionBytesMax);
  for (const name of catalog.names()) {
    const table = catalog.get(name)!;
    await store.loadStatistics(table.tableNumber);
    for (const index of table.indexes ?? []) await store.loadIndexStatistics(table.tableNumber, index.indexNumber);
    await store.loadItemCollections({ tableNumber: table.tableNumber, shape: keyShapeOf(table), indexes: indexHandles(table) });
  }

  const pending = new Set<NodeJS.Timeout>();
  const api = new DynamoApi({
    catalog,
    store,
    clock: systemClock,
    region: options.region,
    accountId: options.accountId,
    tableActivationDelayMs: options.tableActivationDelayMs,
    newTableId: randomUUID,
    schedule: (task, delayMs) => {
      const timer = setTimeout(() => {
        pending.delete(timer);
        task().catch((error: unknown) => console.error('background task failed', error));
      }, delayMs);
      pending.add(timer);
    },
  });
  await api.resumeBackgroundWork();
  const server = createHttpGateway(api, { error: (message, error) => console.error(message, error) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}`,
    port,
    async close() {
      if (process.env.SHOAL_DEBUG_STATS) console.error('group commit', writer.stats, (writer.stats.ops / writer.stats.syncs).toFixed(1), 'ops/sync');
      for (const timer of pending) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.indexesSettled();
      await engine.close();
    },
  };
}
