import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../src/index.js';

describe('SeededRandom', () => {
  it('replays the same sequence from the same seed', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const seqA = Array.from({ length: 5 }, () => a.int(1000));
    const seqB = Array.from({ length: 5 }, () => b.int(1000));
    expect(seqA).toEqual(seqB);
  });

  it('differs between seeds and stays in range', () => {
    const a = new SeededRandom(1);
    const b = new SeededRandom(2);
    const seqA = Array.from({ length: 20 }, () => a.int(10));
    const seqB = Array.from({ length: 20 }, () => b.int(10));
    expect(seqA).not.toEqual(seqB);
    for (const v of [...seqA, ...seqB]) expect(v >= 0 && v < 10).toBe(true);
  });
});
