import { commandLineOptions } from '@shoal/base';
import { runClusterSimulation, type ClusterVariant } from './cluster-simulation.js';
import { runSimulation, type Variant } from './simulation.js';

/**
 * `npm run sim -- --seeds N [--start S] [--steps T] [--variant correct|commitPreviousTerm|
 * readWithoutReadIndex|forgetVote]`: N seeded simulations of one Raft group; any violation prints
 * its seed, which replays exactly with `--start <seed> --seeds 1`. Last line:
 * `sim: N seeds, M ops, K violations`.
 *
 * `npm run sim -- --cluster --seeds N [--start S] [--steps T] [--variant correct|splitWithoutFreeze|
 * publishBeforeFinish|publishBeforeLoad]`: the routed cluster (partitions, routers, splits and
 * moves). Last line: `cluster sim: N seeds, M ops, K splits, J moves, V violations (T s)`.
 */
const { option, has } = commandLineOptions(process.argv.slice(2));
const cluster = has('cluster');
const seeds = Number(option('seeds', '200'));
const start = Number(option('start', '1'));
const steps = Number(option('steps', cluster ? '5000' : '6000'));
const variant = option('variant', 'correct');
const replay = (seed: number) => `npm run sim --${cluster ? ' --cluster' : ''} --start ${seed} --seeds 1 --steps ${steps} --variant ${variant}`;

let operations = 0;
let violations = 0;
let unknown = 0;
let splits = 0;
let moves = 0;
const began = Date.now();
for (let seed = start; seed < start + seeds; seed++) {
  const result = cluster ? runClusterSimulation(seed, { variant: variant as ClusterVariant, steps }) : runSimulation(seed, { variant: variant as Variant, steps });
  operations += result.operations;
  if ('splits' in result) {
    splits += result.splits;
    moves += result.moves;
  }
  if (result.verdict === 'unknown') unknown++;
  if (result.violation) {
    violations++;
    console.log(`seed ${seed}: VIOLATION (replay: ${replay(seed)})\n${result.detail ?? ''}`);
  }
}
if (unknown > 0) console.log(`${unknown} seeds exceeded the checker's step budget (verdict unknown)`);
const seconds = ((Date.now() - began) / 1000).toFixed(1);
if (cluster) console.log(`cluster sim: ${seeds} seeds, ${operations} ops, ${splits} splits, ${moves} moves, ${violations} violations (${seconds} s)`);
else console.log(`sim: ${seeds} seeds, ${operations} ops, ${violations} violations`);
process.exitCode = violations > 0 && variant === 'correct' ? 1 : 0;
