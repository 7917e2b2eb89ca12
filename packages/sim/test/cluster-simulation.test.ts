import { describe, expect, it } from 'vitest';
import { runClusterSimulation, type ClusterVariant } from '../src/cluster-simulation.js';
import { firstViolation, runSeeds, total } from './seeds.js';

const STEPS = 5000;
/** About 0.15-0.3 s a seed on a 2-core machine. */
const CI_SEEDS = 40;
/** Each broken protocol must be caught within this many seeds (each is caught in 20-60% of seeds). */
const VARIANT_SEEDS = 40;

describe('deterministic simulation of the routed cluster (splits, moves, stale routers) under faults', () => {
  it(`finds no violation in ${CI_SEEDS} seeds of the correct protocol, with splits and moves under load`, () => {
    const run = (seed: number) => runClusterSimulation(seed, { variant: 'correct', steps: STEPS });
    const { results, failures } = runSeeds(CI_SEEDS, run, (seed) => `npm run sim -- --cluster --start ${seed} --seeds 1 --steps ${STEPS}`);
    expect(failures).toEqual([]);
    // Not vacuous: the clients did real work, the map changed under them, and routers used stale maps.
    expect(total(results, (result) => result.operations)).toBeGreaterThan(CI_SEEDS * 100); // ~200 checked operations per seed
    expect(total(results, (result) => result.splits)).toBeGreaterThan(CI_SEEDS / 2); // ~1 split and ~1 move per seed
    expect(total(results, (result) => result.moves)).toBeGreaterThan(CI_SEEDS / 2);
    expect(total(results, (result) => result.staleRoutes)).toBeGreaterThan(CI_SEEDS * 10); // ~200 per seed
  }, 120_000);

  it('keeps moving replicas after a leader lost an uncommitted configuration change and was elected again (seeds 558, 857)', () => {
    // Before the fix the re-elected leader refused every later change as "already pending".
    for (const seed of [558, 857]) expect(runClusterSimulation(seed, { variant: 'correct', steps: STEPS }).violation, `seed ${seed}`).toBe(false);
  });

  it('replays a seed exactly', () => {
    const first = runClusterSimulation(7, { variant: 'correct', steps: 2000 });
    const second = runClusterSimulation(7, { variant: 'correct', steps: 2000 });
    expect(second).toEqual(first);
  });

  // Deliberately broken protocols: each must be caught within the first VARIANT_SEEDS seeds.
  it.each<[ClusterVariant, string]>([
    ['splitWithoutFreeze', 'a split that copies the range while writes to it continue (they are lost from the child)'],
    ['publishBeforeFinish', 'a split that publishes the map before the parent stops serving the moved range (stale reads)'],
    ['publishBeforeLoad', 'a child that serves its range before its data is loaded'],
  ])('catches %s: %s', (variant) => {
    const caught = firstViolation(VARIANT_SEEDS, (seed) => runClusterSimulation(seed, { variant, steps: STEPS }));
    expect(caught, `no seed in 1..${VARIANT_SEEDS} caught ${variant}`).toBeDefined();
    expect(caught?.detail).toBeTruthy();
  }, 120_000);
});
