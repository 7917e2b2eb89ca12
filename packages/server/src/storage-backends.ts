import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableHandleIn, tableHandleOf } from '@shoal/api';
import { Catalog } from '@shoal/metadata';
import { PartitionStore, type ItemStore } from '@shoal/partition';
import { initialMap, layoutFromJson, metadataVotersOf, type ClusterLayout, type PartitionMap } from '@shoal/placement';
import { GrpcMembershipControl, GrpcReplicaDirectory } from '@shoal/replica-rpc';
import {
  balanceLeadersOnce,
  ClusterStore,
  DYNAMODB_SPLIT_POLICY,
  followMap,
  MetadataEngine,
  partitionKeyNames,
  readMap,
  Router,
  SplitController,
  updateMap,
  writeMap,
  type ClusterTables,
  type SplitControl,
  type SplitPolicy,
} from '@shoal/router';
import { GroupCommitWriter, MemoryEngine, SharedEngine, type StorageEngine } from '@shoal/storage';
import { LocalMembershipControl, METADATA_GROUP, startLocalCluster } from '@shoal/storage-node';
import { openRocksDbEngine } from '@shoal/storage-rocksdb';
import { LAYOUT_FILE, loadOrCreateLayout, writeLayout, zoneName } from './layout-file.js';

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

/** Node keyspaces of an embedded cluster's shared engine: NODE_KEYSPACE_PREFIX | node (u16 BE) | the node's keys. */
const NODE_KEYSPACE_PREFIX = 0x60;

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
  // In the background: the server answers meanwhile, and statistics once they are counted.
  store.recount(catalog.names().map((name) => tableHandleOf(catalog.get(name)!)));
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
  snapshotEvery?: number;
  split?: SplitPolicy;
}

/**
 * An embedded cluster: `nodes` storage nodes in this process, each in its own keyspace of one
 * shared engine (DATA/nodes; see `nodeEngines`), in AZs a, b, c in turn, joined by an in-process network; every partition a Raft
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
  const engines = await nodeEngines(options.dataDir);
  const cluster = await startLocalCluster({
    region: options.region,
    placements,
    map,
    metadataVoters,
    engine: engines.open,
    tables,
    ...(options.itemCollectionBytesMax !== undefined ? { itemCollectionBytesMax: options.itemCollectionBytesMax } : {}),
    ...(options.snapshotEvery !== undefined ? { snapshotEvery: options.snapshotEvery } : {}),
  });
  const router = cluster.router;
  catalog = await Catalog.open(new MetadataEngine(router, METADATA_GROUP, metadataVoters));
  const store = new ClusterStore(router);
  const layoutFile = options.dataDir ? join(options.dataDir, LAYOUT_FILE) : undefined;
  const splits = await startSplitting(router, {
    membership: new LocalMembershipControl(cluster.nodes),
    // This process is the only one to change the map; restarted nodes open the replicas of the map in the layout file.
    publish: async (change) => {
      const next = change(router.map);
      if (layoutFile) writeLayout(layoutFile, { nodes: placements, metadataVoters, map: next });
      return next;
    },
    partitionKeyOf: partitionKeyNames(tables),
  }, catalog, options.split ?? DYNAMODB_SPLIT_POLICY);
  return {
    catalog,
    store,
    stats: () => ({ hosts: [...cluster.nodes.values()].map((node) => node.host.stats), groupCommit: engines.stats?.() }),
    async close() {
      await splits.stop();
      await store.indexesSettled();
      await cluster.close();
      await engines.close();
    },
  };
}

/**
 * The engines of an embedded cluster's nodes: one RocksDB under DATA/nodes shared by all (each
 * node in a keyspace of its own; their synced writes of one event-loop turn share one fsync: they
 * share one disk anyway), or, for a data directory made before that, one per node (DATA/node-N).
 */
async function nodeEngines(dataDir: string | undefined): Promise<{ open: (node: number) => StorageEngine | Promise<StorageEngine>; close: () => Promise<void>; stats?: () => unknown }> {
  if (dataDir && existsSync(join(dataDir, 'node-1'))) return { open: (node) => openEngine(join(dataDir, `node-${node}`)), close: async () => {} };
  // The nodes' rounds start together (startLocalCluster's RoundScheduler): their synced writes share an fsync in the same turn.
  const shared = new SharedEngine(await openEngine(dataDir ? join(dataDir, 'nodes') : undefined), { drainOn: 'microtask' });
  return { open: (node) => shared.view(Uint8Array.of(NODE_KEYSPACE_PREFIX, node >> 8, node & 0xff)), close: () => shared.close(), stats: () => shared.stats };
}

/** Every interval, one leadership transfer from the node leading the most partitions, if they are uneven; returns a stop function. */
function balanceLeadership(router: Router, membership: GrpcMembershipControl, intervalMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    balanceLeadersOnce(router.map, membership)
      .catch(() => undefined)
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Splits partitions past `policy`, once the splits a stop interrupted are finished or undone (in the background). */
async function startSplitting(router: Router, control: SplitControl, catalog: Catalog, policy: SplitPolicy): Promise<SplitController> {
  const tableNumbers = async () => catalog.names().map((name) => catalog.get(name)!.tableNumber);
  const controller = new SplitController(router, control, tableNumbers, policy, (line) => console.log(`shoal: ${line}`));
  controller.start();
  return controller;
}

export interface RemoteBackendOptions {
  layoutFile: string;
  /** This gateway splits partitions past this policy (one gateway per cluster should). */
  split?: SplitPolicy;
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
  let metadata: MetadataEngine | undefined;
  const router = new Router(layout.map, directory, {
    ...(options.az ? { localAz: options.az } : {}),
    nodeAzs: new Map(layout.nodes.map((node) => [node.id, node.az])),
    refreshMap: () => (metadata ? readMap(metadata) : Promise.resolve(undefined)),
  });
  metadata = new MetadataEngine(router, METADATA_GROUP, layout.metadataVoters);
  const catalog = await Catalog.open(metadata);
  // The metadata group keeps the partition map: seeded from the layout, then followed as replicas move and partitions split.
  const stored = await readMap(metadata);
  if (stored) router.setMap(stored);
  else await writeMap(metadata, layout.map);
  const stopFollowing = followMap(router, metadata, MAP_POLL_MS);
  const publish = async (change: (current: PartitionMap) => PartitionMap) => {
    const next = await updateMap(metadata, change);
    writeLayout(options.layoutFile, { ...layoutFromJson(readFileSync(options.layoutFile, 'utf8')), map: next });
    return next;
  };
  const tables: Pick<ClusterTables, 'resolveTable'> = { resolveTable: (tableNumber) => tableHandleIn(catalog, tableNumber) };
  const membership = new GrpcMembershipControl(directory);
  const splits = options.split ? await startSplitting(router, { membership, publish, partitionKeyOf: partitionKeyNames(tables) }, catalog, options.split) : undefined;
  // The coordinating gateway also spreads partition leaderships over the storage node processes.
  const stopBalancing = options.split ? balanceLeadership(router, membership, options.split.intervalMs) : undefined;
  return {
    catalog,
    store: new ClusterStore(router),
    async close() {
      stopBalancing?.();
      await splits?.stop();
      stopFollowing();
      directory.close();
    },
  };
}
