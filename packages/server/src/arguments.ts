import { DYNAMODB_SPLIT_POLICY } from '@shoal/router';
import { DEFAULT_OPTIONS, type EmbeddedServerOptions } from './embedded-server.js';

const USAGE = `usage: npm start -- [--port 8000] [--host 0.0.0.0] [--data-dir ./data | --in-memory]
                    [--region us-east-1] [--table-activation-ms 0]
                    [--nodes 3 [--partitions 8] [--snapshot-every 10000] | --nodes 1]
                    [--layout D/cluster-layout.json --replicas 1=host:port,2=host:port,... [--az AZ]]
                    [--grpc-port 8001 | --no-grpc] [--item-collection-bytes-max N] [--exit-with-parent]
                    [--split-bytes 10737418240] [--split-writes-per-second 0] [--split-interval-ms 10000]`;

/** Parses the command line; the only place that reads argv. */
export function parseArguments(argv: readonly string[]): EmbeddedServerOptions {
  const options: EmbeddedServerOptions = { ...DEFAULT_OPTIONS };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return next;
    };
    switch (flag) {
      case '--port':
        options.port = integer(flag, value());
        break;
      case '--host':
        options.host = value();
        break;
      case '--data-dir':
        options.dataDir = value();
        break;
      case '--in-memory':
        options.dataDir = undefined;
        break;
      case '--region':
        options.region = value();
        break;
      case '--table-activation-ms':
        options.tableActivationDelayMs = integer(flag, value());
        break;
      case '--nodes':
        options.nodes = integer(flag, value());
        if (options.nodes !== 1 && options.nodes < 3) throw new Error(`--nodes must be 1, or 3 or more (one replica per AZ)\n${USAGE}`);
        break;
      case '--partitions':
        options.partitions = integer(flag, value());
        if (options.partitions < 1) throw new Error(`--partitions must be at least 1\n${USAGE}`);
        break;
      case '--layout':
        options.remote = { ...options.remote, layoutFile: value(), replicas: options.remote?.replicas ?? new Map() };
        break;
      case '--replicas': {
        const replicas = new Map<number, string>();
        for (const entry of value().split(',')) {
          const [node, address] = entry.split('=');
          if (!address || !Number.isInteger(Number(node))) throw new Error(`--replicas takes id=host:port,...\n${USAGE}`);
          replicas.set(Number(node), address);
        }
        options.remote = { ...options.remote, layoutFile: options.remote?.layoutFile ?? '', replicas };
        break;
      }
      case '--grpc-port':
        options.grpcPort = integer(flag, value());
        break;
      case '--no-grpc':
        delete options.grpcPort;
        break;
      case '--az':
        options.remote = { layoutFile: options.remote?.layoutFile ?? '', replicas: options.remote?.replicas ?? new Map(), az: value() };
        break;
      case '--exit-with-parent':
        options.exitWithParent = true;
        break;
      case '--item-collection-bytes-max':
        options.itemCollectionBytesMax = integer(flag, value());
        break;
      case '--snapshot-every':
        options.snapshotEvery = integer(flag, value());
        if (options.snapshotEvery < 1) throw new Error(`--snapshot-every must be at least 1\n${USAGE}`);
        break;
      case '--split-bytes':
        options.split = { ...(options.split ?? DYNAMODB_SPLIT_POLICY), maxBytes: integer(flag, value()) };
        break;
      case '--split-writes-per-second':
        options.split = { ...(options.split ?? DYNAMODB_SPLIT_POLICY), maxWritesPerSecond: integer(flag, value()) };
        break;
      case '--split-interval-ms':
        options.split = { ...(options.split ?? DYNAMODB_SPLIT_POLICY), intervalMs: Math.max(1, integer(flag, value())) };
        break;
      case '--help':
        console.log(USAGE);
        process.exit(0);
      default:
        throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  if (options.remote && (!options.remote.layoutFile || options.remote.replicas.size === 0)) throw new Error(`--layout and --replicas go together\n${USAGE}`);
  return options;
}

function integer(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${flag} must be a non-negative integer, got ${text}`);
  return value;
}
