import { commandLineOptions } from '@shoal/base';
import { runSimulation, type Variant } from './simulation.js';

/**
 * `npm run sim -- --seeds N [--start S] [--steps T] [--variant correct|commitPreviousTerm|
 * readWithoutReadIndex|forgetVote]`: N seeded simulations; any violation prints its seed, which
 * replays exactly with `--start <seed> --seeds 1`. Last line: `sim: N seeds, M ops, K violations`.
 */
const { option } = commandLineOptions(process.argv.slice(2));
const seeds = Number(option('seeds', '200'));
const start = Number(option('start', '1'));
const steps = Number(option('steps', '6000'));
const variant = option('variant', 'correct') as Variant;

let operations = 0;
let violations = 0;
let unknown = 0;
for (let seed = start; seed < start + seeds; seed++) {
  const result = runSimulation(seed, { variant, steps });
  operations += result.operations;
  if (result.verdict === 'unknown') unknown++;
  if (result.violation) {
    violations++;
    console.log(`seed ${seed}: VIOLATION (replay: npm run sim -- --start ${seed} --seeds 1 --variant ${variant})\n${result.detail ?? ''}`);
  }
}
if (unknown > 0) console.log(`${unknown} seeds exceeded the checker's step budget (verdict unknown)`);
console.log(`sim: ${seeds} seeds, ${operations} ops, ${violations} violations`);
process.exitCode = violations > 0 && variant === 'correct' ? 1 : 0;
