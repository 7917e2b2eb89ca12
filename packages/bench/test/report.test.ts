import { describe, expect, it } from 'vitest';
import { parseBenchArguments } from '../src/arguments.js';
import { renderMarkdown } from '../src/report.js';
import type { CellResult } from '../src/runner.js';

const cell = (target: string, cpu: number, errors = 0): CellResult => ({
  target,
  workload: 'a',
  concurrency: 16,
  ops: 1000,
  errors,
  opsPerSecond: 5000,
  p50Micros: 1500,
  p99Micros: 6000,
  serverCpuMicrosPerOp: cpu,
  clientCpuMicrosPerOp: 20,
});

describe('the benchmark report', () => {
  const options = parseBenchArguments(['--targets', 'shoal-cluster,dynalite', '--workloads', 'a', '--concurrency', '16']);

  it('gives medians side by side, with the ratios', () => {
    expect(renderMarkdown([cell('shoal-cluster', 120), cell('dynalite', 150)], options)).toBe(
      [
        'shoal-cluster:',
        '',
        '| workload | c | Shoal ops/s | dynalite ops/s | Shoal p50 ms | dynalite p50 ms | Shoal p99 ms | dynalite p99 ms | Shoal CPU µs/op | dynalite CPU µs/op | CPU ratio | p99 ratio |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|',
        '| a | 16 | 5000 | 5000 | 1.50 | 1.50 | 6.00 | 6.00 | 120 | 150 | 0.80 | 1.00 |',
        '',
      ].join('\n'),
    );
  });

  it("heads the floor target's table with its own name", () => {
    const floorOptions = parseBenchArguments(['--targets', 'floor,dynalite', '--workloads', 'a', '--concurrency', '16']);
    expect(renderMarkdown([cell('floor', 60), cell('dynalite', 150)], floorOptions).split('\n').slice(0, 5)).toEqual([
      'floor:',
      '',
      '| workload | c | floor ops/s | dynalite ops/s | floor p50 ms | dynalite p50 ms | floor p99 ms | dynalite p99 ms | floor CPU µs/op | dynalite CPU µs/op | CPU ratio | p99 ratio |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
      '| a | 16 | 5000 | 5000 | 1.50 | 1.50 | 6.00 | 6.00 | 60 | 150 | 0.40 | 1.00 |',
    ]);
  });

  it('names the cells whose answers were wrong or failed', () => {
    const report = renderMarkdown([cell('shoal-cluster', 100, 8556), cell('dynalite', 150)], options);
    expect(report.split('\n').at(-2)).toBe("Errors (these cells' figures do not count): shoal-cluster a c=16: 8556");
  });
});
