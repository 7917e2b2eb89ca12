import { DEFAULT_OPTIONS, type EmbeddedServerOptions } from './embedded-server.js';

const USAGE = `usage: npm start -- [--port 8000] [--host 0.0.0.0] [--data-dir ./data | --in-memory]
                    [--region us-east-1] [--table-activation-ms 0]`;

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
      case '--help':
        console.log(USAGE);
        process.exit(0);
      default:
        throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  return options;
}

function integer(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${flag} must be a non-negative integer, got ${text}`);
  return value;
}
