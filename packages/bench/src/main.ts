import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBenchArguments } from './arguments.js';
import { startDynalite, startFloor, startShoal, type ServerUnderTest } from './processes.js';
import { renderMarkdown } from './report.js';
import { createTables, loadRecords, runCell, type CellResult } from './runner.js';
import { WORKLOADS } from './workloads.js';

/**
 * `npm run bench`: YCSB-style load against Shoal and dynalite (data on disk) in the same run.
 * Prints, per workload and concurrency, throughput, p50/p99 latency and server CPU per operation
 * (from /proc, the fair figure on a 2-core machine where the load generator competes for CPU),
 * and the Shoal/dynalite ratios; writes JSON and markdown under .bench/.
 */
const WARMUP_CONCURRENCY = 16;
const options = parseBenchArguments(process.argv.slice(2));
const root = join(new URL('../../../', import.meta.url).pathname, '.bench');
mkdirSync(root, { recursive: true });
const results: CellResult[] = [];
console.log(`bench: ${options.records} records, workloads ${options.workloads.join(',')}, concurrency ${options.concurrency.join(',')}, ${options.durationMs / 1000}s per cell, ${options.repeat} repeat(s), seed ${options.seed}`);

for (let round = 0; round < options.repeat; round++) {
  for (const target of options.targets) {
    const dataDir = join(root, `${target}-data`);
    rmSync(dataDir, { recursive: true, force: true });
    const port = { shoal: 8100, dynalite: 8101, 'shoal-cluster': 8102, floor: 8103 }[target];
    mkdirSync(dataDir, { recursive: true });
    const server: ServerUnderTest =
      target === 'dynalite'
        ? await startDynalite(port, dataDir)
        : target === 'floor'
          ? await startFloor(port, dataDir)
          : await startShoal(port, dataDir, target === 'shoal-cluster' ? 3 : 1);
    try {
      await createTables(server);
      await loadRecords(server, options.records, options.seed);
      for (const name of options.workloads) {
        const workload = WORKLOADS[name];
        if (!workload) throw new Error(`unknown workload ${name}`);
        // Unmeasured warm-up, so that JIT compilation is not billed to the first cell.
        await runCell(server, workload, WARMUP_CONCURRENCY, options.warmupMs, options.records, options.seed - 1);
        for (const concurrency of options.concurrency) {
          const result = await runCell(server, workload, concurrency, options.durationMs, options.records, options.seed + round);
          results.push(result);
          console.log(
            `  ${target.padEnd(8)} ${name.padEnd(7)} c=${String(concurrency).padEnd(3)} ${result.opsPerSecond.toFixed(0).padStart(7)} ops/s  p50 ${(result.p50Micros / 1000).toFixed(2)} ms  p99 ${(result.p99Micros / 1000).toFixed(2)} ms  server CPU ${result.serverCpuMicrosPerOp.toFixed(0)} µs/op`,
          );
        }
      }
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

const markdown = renderMarkdown(results, options);
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
writeFileSync(join(root, `results-${stamp}.json`), `${JSON.stringify(results, null, 1)}\n`);
writeFileSync(join(root, `results-${stamp}.md`), markdown);
console.log(`\n${markdown}`);
