import { parseArguments } from './arguments.js';
import { startEmbeddedServer } from './embedded-server.js';

/** `npm start`: the embedded server. The only reader of argv and the environment. */
const options = parseArguments(process.argv.slice(2));
// Started by `npm run cluster`: do not outlive the launcher, even while still starting (a gateway
// waits for the storage nodes, which may be gone).
if (options.exitWithParent) {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(1);
  }, 500).unref();
}
const server = await startEmbeddedServer(options);
const storage = options.remote
  ? `gateway to the cluster in ${options.remote.layoutFile}`
  : options.nodes > 1
    ? `embedded cluster: ${options.nodes} storage nodes in 3 AZs, ${options.partitions} partitions, 3-way Raft replication`
    : 'one local store';
const grpc = server.grpcPort !== undefined ? `, gRPC API on localhost:${server.grpcPort}` : '';
console.log(`shoal: DynamoDB API on ${server.url}${grpc} (${storage}; data: ${options.remote ? 'on the storage nodes' : (options.dataDir ?? 'in memory')})`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed', error);
        process.exit(1);
      },
    );
  });
}
