import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@shoal/base';
import { ScrambledZipfian } from '../src/zipfian.js';
import { LatencyRecorder } from '../src/latency.js';

describe('ScrambledZipfian', () => {
  it('stays in range and is skewed: the top 1% of keys take a large share of draws', () => {
    const items = 10_000;
    const zipfian = new ScrambledZipfian(items, new SeededRandom(42));
    const counts = new Map<number, number>();
    for (let i = 0; i < 100_000; i++) {
      const key = zipfian.next();
      expect(key >= 0 && key < items).toBe(true);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const top = [...counts.values()].sort((a, b) => b - a).slice(0, items / 100);
    const topShare = top.reduce((sum, n) => sum + n, 0) / 100_000;
    expect(topShare).toBeGreaterThan(0.3);
    expect(topShare).toBeLessThan(0.8);
  });

  it('replays the same sequence from the same seed', () => {
    const draw = () => {
      const zipfian = new ScrambledZipfian(1000, new SeededRandom(7));
      return Array.from({ length: 20 }, () => zipfian.next());
    };
    expect(draw()).toEqual(draw());
  });
});

describe('LatencyRecorder', () => {
  it('reports nearest-rank percentiles', () => {
    const recorder = new LatencyRecorder();
    for (let i = 100; i >= 1; i--) recorder.record(i);
    expect([recorder.percentile(50), recorder.percentile(99), recorder.percentile(100)]).toEqual([50, 99, 100]);
  });
});
