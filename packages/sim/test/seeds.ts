import type { CheckedHistory } from '../src/sim-checks.js';

/** Runs seeds 1..count; `failures` has a line for each seed with a violation or an undecided check. */
export function runSeeds<Result extends CheckedHistory>(count: number, run: (seed: number) => Result, replay: (seed: number) => string): { results: Result[]; failures: string[] } {
  const results = Array.from({ length: count }, (_, i) => run(i + 1));
  const failures = results.flatMap((result, i) => (result.violation || result.verdict === 'unknown' ? [`seed ${i + 1} (${result.verdict}; replay: ${replay(i + 1)}): ${result.detail ?? ''}`] : []));
  return { results, failures };
}

/** The result of the first of seeds 1..count that catches a deliberately broken variant. */
export function firstViolation<Result extends CheckedHistory>(count: number, run: (seed: number) => Result): Result | undefined {
  for (let seed = 1; seed <= count; seed++) {
    const result = run(seed);
    if (result.violation) return result;
  }
  return undefined;
}

export function total<Result>(results: readonly Result[], count: (result: Result) => number): number {
  return results.reduce((sum, result) => sum + count(result), 0);
}
