import { randomUUID } from 'node:crypto';
import { DynamoApi } from '@shoal/api';
import { systemClock } from '@shoal/base';
import { createHttpGateway, startGrpcGateway } from '@shoal/gateway';
import type { SplitPolicy } from '@shoal/router';
import { clusterBackend, remoteBackend, singleNodeBackend, type RemoteBackendOptions } from './storage-backends.js';

export interface EmbeddedServerOptions {
  port: number;
  host: string;
  /** Directory of the RocksDB store; `undefined` keeps everything in memory (tests only). */
  dataDir: string | undefined;
  region: string;
  accountId: string;
  tableActivationDelayMs: number;
  /** Storage nodes: 3 or more (the default 3) an embedded cluster with 3-way Raft replication; 1 one local store. */
  nodes: number;
  /** Partitions of an embedded cluster (fixed at its first start). */
  partitions: number;
  /** Item-collection limit of tables with local indexes (DynamoDB: 10 GB). */
  itemCollectionBytesMax?: number;
  /** Applied entries between compactions of an embedded cluster's Raft logs (default 10,000). */
  snapshotEvery?: number;
  /** Port of the public gRPC API (proto/dynamodb.proto); undefined: none. */
  grpcPort?: number;
  /** Exit if the parent process dies (processes started by `npm run cluster`). */
  exitWithParent?: boolean;
  /** A gateway to a multi-process cluster instead: its layout file and its nodes' replica services. */
  remote?: RemoteBackendOptions;
  /**
   * When partitions split (size, load). The embedded cluster always watches them (default:
   * DynamoDB's 10 GB, no load splits); a multi-process cluster's gateway only when given one.
   */
  split?: SplitPolicy;
}

export interface RunningServer {
  url: string;
  port: number;
  /** The gRPC API's port, when it serves one. */
  grpcPort?: number;
  close(): Promise<void>;
}

export const DEFAULT_OPTIONS: EmbeddedServerOptions = {
  port: 8000,
  host: '0.0.0.0',
  dataDir: './data',
  region: 'us-east-1',
  accountId: '000000000000',
  tableActivationDelayMs: 0,
  nodes: 3,
  partitions: 8,
  grpcPort: 8001,
};

/**
 * The embedded server: the storage (one local store, or an embedded cluster of storage nodes),
 * the catalog and the HTTP gateway in one process. Every acknowledged write has been synced to
 * the WAL (of the one engine, or of a majority of the partition's replicas) before its response
 * is sent.
 */
export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<RunningServer> {
  const backend = options.remote
    ? await remoteBackend({ ...options.remote, ...(options.split ? { split: options.split } : {}) })
    : options.nodes > 1
      ? await clusterBackend({ ...options, nodes: options.nodes, partitions: options.partitions })
      : await singleNodeBackend(options);
  const { catalog, store } = backend;
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
  const port = await server.listen(options.port, options.host);
  const grpc = options.grpcPort !== undefined ? await startGrpcGateway(api, `${options.host}:${options.grpcPort}`, { error: (message, error) => console.error(message, error) }) : undefined;
  return {
    url: `http://localhost:${port}`,
    port,
    ...(grpc ? { grpcPort: grpc.port } : {}),
    async close() {
      if (process.env.SHOAL_DEBUG_STATS) console.error('storage', backend.stats?.());
      for (const timer of pending) clearTimeout(timer);
      grpc?.close();
      await server.close();
      await backend.close();
    },
  };
}
