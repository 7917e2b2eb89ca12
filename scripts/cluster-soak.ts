/**
 * `npm run soak:cluster -- [--seeds 20] [--start 1]`: the cluster linearizability test
 * (packages/storage-node/test/linearizability.test.ts) once per seed, each a fresh cluster
 * under a fresh nemesis schedule; prints each verdict and ends with
 * `soak: N seeds, M operations, K violations`. Replay a seed with
 * `SHOAL_LINEARIZABILITY_SEED=S npx vitest run --project shoal packages/storage-node/test/linearizability.test.ts`.
 */
import { spawnSync } from 'node:child_process';
import { commandLineOptions } from '@shoal/base';

const { option } = commandLineOptions(process.argv.slice(2));
const seeds = Number(option('seeds', '20'));
const start = Number(option('start', '1'));
const ROOT = new URL('../', import.meta.url).pathname;
let operations = 0;
let violations = 0;
for (let seed = start; seed < start + seeds; seed++) {
  const run = spawnSync('npx', ['vitest', 'run', '--project', 'shoal', 'packages/storage-node/test/linearizability.test.ts', '-t', 'keeps puts'], {
    cwd: ROOT,
    env: { ...process.env, SHOAL_LINEARIZABILITY_SEED: String(seed) },
    encoding: 'utf8',
  });
  const verdict = /seed \d+: (\d+) operations .*: (ok|illegal|unknown)/.exec(run.stdout);
  if (!verdict || run.status !== 0) violations++;
  operations += verdict ? Number(verdict[1]) : 0;
  console.log(`seed ${seed}: ${verdict ? `${verdict[1]} operations, ${verdict[2]}` : 'failed to run'}${run.status === 0 ? '' : ' (test failed)'}`);
}
console.log(`soak: ${seeds} seeds, ${operations} operations, ${violations} violations`);
process.exit(violations > 0 ? 1 : 0);
