import { commandLineOptions } from '@shoal/base';
import { RaftStorageNode } from './node.js';

/**
 * `node --import tsx packages/raft-node/src/main.ts --node 1 --data-dir D [--raft 127.0.0.1:0]
 * [--client-port 0] [--groups 4] [--voters 1,2,3]`: one Raft storage node process. Prints one line,
 * `raft-node <id> raft=<port> client=<port>`, once it serves.
 */
const { option } = commandLineOptions(process.argv.slice(2));
const node = await RaftStorageNode.start({
  node: Number(option('node')),
  dataDir: option('data-dir'),
  raftListen: option('raft', '127.0.0.1:0'),
  clientPort: Number(option('client-port', '0')),
  groups: Number(option('groups', '4')),
  voters: option('voters', '1,2,3').split(',').map(Number),
});
console.log(`raft-node ${option('node')} raft=${node.raftPort} client=${node.clientPort}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    node.close().then(() => process.exit(0), () => process.exit(1));
  });
}
