import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexHandles } from '@shoal/api';
import { Catalog, keyShapeOf, type TableDefinition } from '@shoal/metadata';
import { PartitionStore, type ItemStore, type TableHandle } from '@shoal/partition';
import { initialMap, layoutFromJson, layoutToJson, metadataVotersOf, type PartitionMap, type StorageNode as NodePlacement } from '@shoal/placement';
import { GrpcReplicaDirectory } from '@shoal/replica-rpc';
import { ClusterStore, followMap, MetadataEngine, readMap, Router, writeMap, type ClusterTables } from '@shoal/router';
import { GroupCommitWriter, MemoryEngine, type StorageEngine } from '@shoal/storage';
import { METADATA_GROUP, startLocalCluster } from '@shoal/storage-node';
import { openRocksDbEngine } from '@shoal/storage-rocksdb';

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

/** Where an embedded cluster keeps its layout (nodes, metadata group, partition map). */
const LAYOUT_FILE = 'cluster-layout.json';

function handleOf(table: TableDefinition): TableHandle {
  return { tableNumber: table.tableNumber, shape: keyShapeOf(table), indexes: indexHandles(table) };
}

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
    await store.loadItemCollections(handleOf(table));
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
  const placements: NodePlacement[] = Array.from({ length: options.nodes }, (_, i) => ({ id: i + 1, az: `${options.region}${String.fromCharCode(97 + (i % 3))}` }));
  const map = loadOrCreateMap(options, placements);
  const metadataVoters = metadataVotersOf(placements);
  let catalog: Catalog | undefined;
  const tables: ClusterTables = {
    tables: () => (catalog ? catalog.names().map((name) => handleOf(catalog!.get(name)!)) : []),
    resolveTable: (tableNumber) => {
      for (const name of catalog?.names() ?? []) {
        const table = catalog!.get(name)!;
        if (table.tableNumber === tableNumber) return handleOf(table);
      }
      return undefined;
    },
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

/** The layout: made once, kept in DATA/cluster-layout.json so that a restart finds its replicas. */
function loadOrCreateMap(options: ClusterBackendOptions, nodes: NodePlacement[]): PartitionMap {
  const file = options.dataDir ? join(options.dataDir, LAYOUT_FILE) : undefined;
  if (file && existsSync(file)) {
    const layout = layoutFromJson(readFileSync(file, 'utf8'));
    if (layout.nodes.length !== nodes.length) throw new Error(`${file} describes ${layout.nodes.length} nodes, not ${nodes.length}`);
    return layout.map;
  }
  const map = initialMap(options.partitions, nodes);
  if (file) {
    mkdirSync(options.dataDir as string, { recursive: true });
    writeFileSync(file, layoutToJson({ nodes, metadataVoters: metadataVotersOf(nodes), map }));
  }
  return map;
}
