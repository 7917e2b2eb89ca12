import type { BenchOptions } from './arguments.js';
import type { CellResult } from './runner.js';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * One table per target other than dynalite (`shoal`, `shoal-cluster`, `floor`), one row per
 * workload and concurrency: medians over repeats, beside dynalite, and ratios.
 */
export function renderMarkdown(results: CellResult[], options: BenchOptions): string {
  const tables: string[] = [];
  for (const target of options.targets.filter((candidate) => candidate !== 'dynalite')) {
    const name = target === 'floor' ? 'floor' : 'Shoal';
    const lines = [
      `${target}:`,
      '',
      `| workload | c | ${name} ops/s | dynalite ops/s | ${name} p50 ms | dynalite p50 ms | ${name} p99 ms | dynalite p99 ms | ${name} CPU µs/op | dynalite CPU µs/op | CPU ratio | p99 ratio |`,
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ];
    for (const workload of options.workloads) {
      for (const concurrency of options.concurrency) {
        const cell = (name: string) => results.filter((r) => r.target === name && r.workload === workload && r.concurrency === concurrency);
        const stat = (name: string, pick: (r: CellResult) => number) => {
          const rows = cell(name);
          return rows.length ? median(rows.map(pick)) : NaN;
        };
        const shoalCpu = stat(target, (r) => r.serverCpuMicrosPerOp);
        const dynaliteCpu = stat('dynalite', (r) => r.serverCpuMicrosPerOp);
        const shoalP99 = stat(target, (r) => r.p99Micros);
        const dynaliteP99 = stat('dynalite', (r) => r.p99Micros);
        lines.push(
          `| ${workload} | ${concurrency} | ${stat(target, (r) => r.opsPerSecond).toFixed(0)} | ${stat('dynalite', (r) => r.opsPerSecond).toFixed(0)} | ` +
            `${(stat(target, (r) => r.p50Micros) / 1000).toFixed(2)} | ${(stat('dynalite', (r) => r.p50Micros) / 1000).toFixed(2)} | ` +
            `${(shoalP99 / 1000).toFixed(2)} | ${(dynaliteP99 / 1000).toFixed(2)} | ${shoalCpu.toFixed(0)} | ${dynaliteCpu.toFixed(0)} | ` +
            `${(shoalCpu / dynaliteCpu).toFixed(2)} | ${(shoalP99 / dynaliteP99).toFixed(2)} |`,
        );
      }
    }
    // A cell whose answers were wrong or failed measured something else: say so under the table.
    const failed = results.filter((r) => (r.target === target || r.target === 'dynalite') && r.errors > 0);
    if (failed.length > 0) {
      lines.push('', `Errors (these cells' figures do not count): ${failed.map((r) => `${r.target} ${r.workload} c=${r.concurrency}: ${r.errors}`).join('; ')}`);
    }
    tables.push(lines.join('\n'));
  }
  return `${tables.join('\n\n')}\n`;
}
