import { describe, expect, it } from 'vitest';
import { runSimulation, type SimulationResult, type Variant } from '../src/simulation.js';

const STEPS = 6000;
const CI_SEEDS = 500;

function firstViolation(variant: Variant): SimulationResult | undefined {
  for (let seed = 1; seed <= CI_SEEDS; seed++) {
    const result = runSimulation(seed, { variant, steps: STEPS });
    if (result.violation) return result;
  }
  return undefined;
}

describe('deterministic simulation of Raft under faults', () => {
  it(`finds no violation in ${CI_SEEDS} seeds of the correct engine`, () => {
    const failures: string[] = [];
    let operations = 0;
    let membershipChanges = 0;
    for (let seed = 1; seed <= CI_SEEDS; seed++) {
      const result = runSimulation(seed, { variant: 'correct', steps: STEPS });
      operations += result.operations;
      membershipChanges += result.membershipChanges;
      if (result.violation || result.verdict === 'unknown') failures.push(`seed ${seed} (${result.verdict}): ${result.detail ?? ''}`);
    }
    expect(failures).toEqual([]);
    expect(operations).toBeGreaterThan(CI_SEEDS * 50); // the clients did real work (~100 checked operations per seed)
    expect(membershipChanges).toBeGreaterThan(CI_SEEDS / 2); // and the membership changed under them
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
    const caught = firstViolation(variant);
    expect(caught, `no seed in 1..${CI_SEEDS} caught ${variant}`).toBeDefined();
    expect(caught?.detail).toBeTruthy();
  }, 300_000);
});
