/**
 * `npm run admin -- [--cluster ./data-cluster/cluster.json]`: shows a running cluster's ring:
 * every partition's token range, its replicas and their AZs, its leader, term and commit index,
 * and replicas that lag or are down (asked of each storage node's replica service).
 * Adding and removing nodes comes with rebalancing (docs/decisions/0005, not yet).
 */
import { readFileSync } from 'node:fs';
import { commandLineOptions } from '@shoal/base';
import { layoutFromJson } from '@shoal/placement';
import { GrpcReplicaDirectory } from '@shoal/replica-rpc';
import { renderRing, type ClusterFile, type ReportedNode } from '@shoal/server';

const { option } = commandLineOptions(process.argv.slice(2));
const cluster = JSON.parse(readFileSync(option('cluster', './data-cluster/cluster.json'), 'utf8')) as ClusterFile;
const layout = layoutFromJson(readFileSync(cluster.layout, 'utf8'));
const storage = cluster.processes.filter((entry) => entry.role === 'storage');
const directory = new GrpcReplicaDirectory(new Map(storage.map((entry) => [entry.id as number, `127.0.0.1:${entry.ports.replica}`])));
const reported = new Map<number, ReportedNode | undefined>();
await Promise.all(
  storage.map(async (entry) => {
    reported.set(entry.id as number, await directory.status<ReportedNode>(entry.id as number).catch(() => undefined));
  }),
);
directory.close();
console.log(`gateway: ${cluster.url}`);
console.log(renderRing(layout, reported));
