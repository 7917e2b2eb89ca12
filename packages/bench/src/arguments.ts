export interface BenchOptions {
  records: number;
  durationMs: number;
  warmupMs: number;
  concurrency: number[];
  workloads: string[];
  targets: ('shoal' | 'shoal-cluster' | 'dynalite' | 'floor')[];
  repeat: number;
  seed: number;
}

const DEFAULTS: BenchOptions = {
  records: 10_000,
  durationMs: 5_000,
  warmupMs: 2_000,
  concurrency: [1, 16, 64],
  workloads: ['put', 'get', 'update', 'a'],
  targets: ['shoal', 'dynalite'],
  repeat: 1,
  seed: 20261125,
};

export function parseBenchArguments(argv: readonly string[]): BenchOptions {
  const options = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    const list = value.split(',').filter(Boolean);
    switch (flag) {
      case '--records':
        options.records = Number(value);
        break;
      case '--duration-s':
        options.durationMs = Number(value) * 1000;
        break;
      case '--warmup-s':
        options.warmupMs = Number(value) * 1000;
        break;
      case '--concurrency':
        options.concurrency = list.map(Number);
        break;
      case '--workloads':
        options.workloads = list;
        break;
      case '--targets':
        options.targets = list as BenchOptions['targets'];
        break;
      case '--repeat':
        options.repeat = Number(value);
        break;
      case '--seed':
        options.seed = Number(value);
        break;
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  return options;
}
