/**
 * `npm run admin -- [--cluster ./data-cluster/cluster.json] [show | add-node ID | remove-node ID]`:
 * shows a running cluster's ring (every partition's token range, its replicas and their AZs, its
 * leader, term and commit index, and replicas that lag or are down, asked of each storage node's
 * replica service), or moves replicas onto a running spare node (`npm run cluster --
 * --spare-nodes 1`) or off a node, by Raft membership changes.
 */
import { readFileSync } from 'node:fs';
import { commandLineOptions } from '@shoal/base';
import { layoutFromJson } from '@shoal/placement';
import { GrpcReplicaDirectory } from '@shoal/replica-rpc';
import { rebalanceCluster, renderRing, type ClusterFile, type ReportedNode } from '@shoal/server';

const args = process.argv.slice(2);
const { option } = commandLineOptions(args);
const cluster = JSON.parse(readFileSync(option('cluster', './data-cluster/cluster.json'), 'utf8')) as ClusterFile;
const command = args.find((arg) => arg === 'add-node' || arg === 'remove-node');
if (command) {
  const nodeId = Number(args[args.indexOf(command) + 1]);
  const report = await rebalanceCluster(cluster, command === 'add-node' ? 'add' : 'remove', nodeId, (line) => console.log(line));
  console.log(`${command} ${nodeId}: moved ${report.moves.length} of ${report.replicas} replicas (map version ${report.map.version})`);
}
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
