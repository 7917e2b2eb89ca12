import { describe, expect, it } from 'vitest';
import { runSimulation, type Variant } from '../src/simulation.js';
import { firstViolation, runSeeds, total } from './seeds.js';

const STEPS = 6000;
const CI_SEEDS = 500;

describe('deterministic simulation of Raft under faults', () => {
  it(`finds no violation in ${CI_SEEDS} seeds of the correct engine`, () => {
    const { results, failures } = runSeeds(CI_SEEDS, (seed) => runSimulation(seed, { variant: 'correct', steps: STEPS }), (seed) => `npm run sim -- --start ${seed} --seeds 1`);
    expect(failures).toEqual([]);
    expect(total(results, (result) => result.operations)).toBeGreaterThan(CI_SEEDS * 50); // the clients did real work (~100 checked operations per seed)
    expect(total(results, (result) => result.membershipChanges)).toBeGreaterThan(CI_SEEDS / 2); // and the membership changed under them
  }, 300_000);

  it('replays a seed exactly', () => {
    const first = runSimulation(42, { variant: 'correct', steps: 2000 });
    const second = runSimulation(42, { variant: 'correct', steps: 2000 });
    expect(second).toEqual(first);
  });

  // Deliberately broken engines: each must be caught within the CI seeds.
  it.each<[Variant, string]>([
    ['readWithoutReadIndex', 'a leader that reads its state machine without ReadIndex or a lease'],
    ['forgetVote', 'a node that forgets its vote across a restart'],
    ['commitPreviousTerm', 'a leader that commits previous-term entries by counting replicas (Figure 8)'],
  ])('catches %s: %s', (variant) => {
    const caught = firstViolation(CI_SEEDS, (seed) => runSimulation(seed, { variant, steps: STEPS }));
    expect(caught, `no seed in 1..${CI_SEEDS} caught ${variant}`).toBeDefined();
    expect(caught?.detail).toBeTruthy();
  }, 300_000);
});
