import { readFileSync } from 'node:fs';
import { commandLineOptions } from '@shoal/base';
import { layoutFromJson } from '@shoal/placement';
import type { ConfigChange, Membership } from '@shoal/raft';
import { GrpcTransport } from '@shoal/raft-host';
import { ReplicaServer } from '@shoal/replica-rpc';
import { leaderSetup, partitionKeyNames } from '@shoal/router';
import { openRocksDbEngine } from '@shoal/storage-rocksdb';
import { NodeCatalog } from './node-catalog.js';
import { METADATA_GROUP, StorageNode } from './storage-node.js';

/**
 * One storage node process:
 *   node --import tsx packages/storage-node/src/main.ts --id 1 --layout D/cluster-layout.json
 *     --data-dir D/node-1 --raft 127.0.0.1:7101 --replica 127.0.0.1:7102
 *     --peers 2=127.0.0.1:7103,3=127.0.0.1:7105 [--region us-east-1] [--item-collection-bytes-max N]
 *     [--snapshot-every N] [--exit-with-parent]
 * Its AZ comes from the layout. Prints `storage node <id> (<az>) raft=<port> replica=<port>` once it serves.
 */
const { option, integer, has } = commandLineOptions(process.argv.slice(2));
const PARENT_CHECK_MS = 500;

// Started by `npm run cluster`: do not outlive the launcher (or a test) if it dies without
// stopping us, even while still starting.
if (has('exit-with-parent')) {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(1);
  }, PARENT_CHECK_MS).unref();
}
const id = integer('id', 1);
const layout = layoutFromJson(readFileSync(option('layout'), 'utf8'));
const az = layout.nodes.find((node) => node.id === id)?.az;
if (az === undefined) throw new Error(`node ${id} is not in the layout`);
const peers = new Map<number, string>();
for (const entry of option('peers', '').split(',').filter(Boolean)) {
  const [node, address] = entry.split('=');
  peers.set(Number(node), address as string);
}
const collectionLimit = has('item-collection-bytes-max') ? integer('item-collection-bytes-max', 1) : undefined;
const snapshotEvery = has('snapshot-every') ? integer('snapshot-every', 1) : undefined;

const engine = await openRocksDbEngine(option('data-dir'));
const transport = await GrpcTransport.start({ node: id, listen: option('raft', '127.0.0.1:0'), peers });
let catalog: NodeCatalog | undefined;
const node = await StorageNode.start({
  id,
  region: option('region', 'us-east-1'),
  az,
  engine,
  transport,
  map: layout.map,
  metadataVoters: layout.metadataVoters,
  ...(snapshotEvery !== undefined ? { snapshotEvery } : {}),
  // Every node of the layout, spare ones too, keeps a copy of the metadata.
  metadataLearners: layout.nodes.map((entry) => entry.id).filter((node) => !layout.metadataVoters.includes(node)),
  leadership: {
    setup: (store) =>
      leaderSetup({
        tables: () => (catalog as NodeCatalog).tables(),
        resolveTable: (tableNumber) => (catalog as NodeCatalog).resolveTable(tableNumber),
      })(store),
    partitionKeyOf: partitionKeyNames({ resolveTable: (tableNumber) => catalog?.resolveTable(tableNumber) }),
    ...(collectionLimit !== undefined ? { itemCollectionBytesMax: collectionLimit } : {}),
  },
});
catalog = new NodeCatalog(node.machine(METADATA_GROUP)!);
const server = await ReplicaServer.start(
  (group) => node.replica(group),
  option('replica', '127.0.0.1:0'),
  {
    onTable: (table) => catalog?.noteHandle(table),
    status: () => node.status(),
    membership: async (operation, group, args) => {
      const given = args as { founders?: Membership; change?: ConfigChange; to?: number } | null;
      switch (operation) {
        case 'openReplica':
          await node.joinGroup(group, given!.founders!);
          return null;
        case 'dropReplica':
          await node.dropReplica(group);
          return null;
        case 'changeMembership':
          await node.changeMembership(group, given!.change!);
          return null;
        case 'transferLeadership':
          node.transferLeadership(group, given!.to!);
          return null;
        default:
          return node.groupState(group) ?? null;
      }
    },
  },
);
console.log(`storage node ${id} (${az}) raft=${transport.port} replica=${server.port}`);


for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void server
      .close()
      .then(() => node.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
}
