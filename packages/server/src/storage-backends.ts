import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableHandleIn, tableHandleOf } from '@shoal/api';
import { Catalog } from '@shoal/metadata';
import { PartitionStore, type ItemStore } from '@shoal/partition';
import { initialMap, layoutFromJson, metadataVotersOf, type ClusterLayout } from '@shoal/placement';
import { GrpcReplicaDirectory } from '@shoal/replica-rpc';
import { ClusterStore, followMap, MetadataEngine, readMap, Router, writeMap, type ClusterTables } from '@shoal/router';
import { GroupCommitWriter, MemoryEngine, type StorageEngine } from '@shoal/storage';
import { METADATA_GROUP, startLocalCluster } from '@shoal/storage-node';
import { openRocksDbEngine } from '@shoal/storage-rocksdb';
import { LAYOUT_FILE, loadOrCreateLayout, zoneName } from './layout-file.js';

/** The catalog and item storage the API runs on, however they are built. */
export interface StorageBackend {
  catalog: Catalog;
  store: ItemStore;
  close(): Promise<void>;
  /** Group commits and syncs, for SHOAL_DEBUG_STATS. */
  stats?: () => unknown;
}

export interface BackendOptions {
  dataDir: string | undefined;
  region: string;
  itemCollectionBytesMax?: number;
}

/** How often a gateway looks for a newer partition map. */
const MAP_POLL_MS = 250;

function openEngine(directory: string | undefined): Promise<StorageEngine> | StorageEngine {
  return directory ? openRocksDbEngine(directory) : new MemoryEngine();
}

/** One engine, one partition store: every write synced to the local WAL before it is acknowledged. */
export async function singleNodeBackend(options: BackendOptions): Promise<StorageBackend> {
  if (options.dataDir && existsSync(join(options.dataDir, LAYOUT_FILE))) {
    throw new Error(`${options.dataDir} holds an embedded cluster (${LAYOUT_FILE}): start it with --nodes N, not --nodes 1`);
  }
  const engine = await openEngine(options.dataDir);
  const writer = new GroupCommitWriter(engine);
  const catalog = await Catalog.open(engine);
  const store = new PartitionStore(engine, writer, options.itemCollectionBytesMax);
  for (const name of catalog.names()) {
    const table = catalog.get(name)!;
    await store.loadStatistics(table.tableNumber);
    for (const index of table.indexes ?? []) await store.loadIndexStatistics(table.tableNumber, index.indexNumber);
    await store.loadItemCollections(tableHandleOf(table));
  }
  return {
    catalog,
    store,
    stats: () => writer.stats,
    async close() {
      await store.indexesSettled();
      await engine.close();
    },
  };
}

export interface ClusterBackendOptions extends BackendOptions {
  nodes: number;
  partitions: number;
}

/**
 * An embedded cluster: `nodes` storage nodes in this process, each with its own engine (under
 * DATA/node-N), in AZs a, b, c in turn, joined by an in-process network; every partition a Raft
 * group of three replicas in three AZs, the catalog in the metadata group on the first three
 * nodes, and the router in front. A write is acknowledged once committed on two of three
 * replicas, each of which fsynced its log.
 */
export async function clusterBackend(options: ClusterBackendOptions): Promise<StorageBackend> {
  if (options.dataDir && existsSync(join(options.dataDir, 'CURRENT')) && !existsSync(join(options.dataDir, LAYOUT_FILE))) {
    throw new Error(`${options.dataDir} holds a single-node store: start it with --nodes 1 (or use another --data-dir for a cluster)`);
  }
  const create = (): ClusterLayout => {
    const nodes = Array.from({ length: options.nodes }, (_, i) => ({ id: i + 1, az: zoneName(options.region, i % 3) }));
    return { nodes, metadataVoters: metadataVotersOf(nodes), map: initialMap(options.partitions, nodes) };
  };
  const { nodes: placements, map, metadataVoters } = options.dataDir ? loadOrCreateLayout(options.dataDir, options.nodes, create) : create();
  let catalog: Catalog | undefined;
  const tables: ClusterTables = {
    tables: () => (catalog ? catalog.names().map((name) => tableHandleOf(catalog!.get(name)!)) : []),
    resolveTable: (tableNumber) => (catalog ? tableHandleIn(catalog, tableNumber) : undefined),
  };
  const cluster = await startLocalCluster({
    region: options.region,
    placements,
    map,
    metadataVoters,
    engine: (node) => openEngine(options.dataDir ? join(options.dataDir, `node-${node}`) : undefined),
    tables,
    ...(options.itemCollectionBytesMax !== undefined ? { itemCollectionBytesMax: options.itemCollectionBytesMax } : {}),
  });
  const router = cluster.router;
  catalog = await Catalog.open(new MetadataEngine(router, METADATA_GROUP, metadataVoters));
  const store = new ClusterStore(router);
  return {
    catalog,
    store,
    async close() {
      await store.indexesSettled();
      await cluster.close();
    },
  };
}

export interface RemoteBackendOptions {
  layoutFile: string;
  /** Each storage node's replica service address. */
  replicas: Map<number, string>;
  /** The gateway's AZ: eventually consistent reads go to the replica there. */
  az?: string;
}

/**
 * A gateway to a multi-process cluster: the router reaches each partition's leader on its
 * storage node over gRPC; the catalog lives in the metadata group on the storage nodes.
 */
export async function remoteBackend(options: RemoteBackendOptions): Promise<StorageBackend> {
  const layout = layoutFromJson(readFileSync(options.layoutFile, 'utf8'));
  const directory = new GrpcReplicaDirectory(options.replicas);
  const router = new Router(layout.map, directory, {
    ...(options.az ? { localAz: options.az } : {}),
    nodeAzs: new Map(layout.nodes.map((node) => [node.id, node.az])),
  });
  const metadata = new MetadataEngine(router, METADATA_GROUP, layout.metadataVoters);
  const catalog = await Catalog.open(metadata);
  // The metadata group keeps the partition map: seeded from the layout, then followed as replicas move.
  const stored = await readMap(metadata);
  if (stored) router.setMap(stored);
  else await writeMap(metadata, layout.map);
  const stopFollowing = followMap(router, metadata, MAP_POLL_MS);
  return {
    catalog,
    store: new ClusterStore(router),
    async close() {
      stopFollowing();
      directory.close();
    },
  };
}
