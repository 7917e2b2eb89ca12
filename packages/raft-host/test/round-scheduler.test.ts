import { describe, expect, it } from 'vitest';
import { RoundScheduler } from '../src/index.js';

describe('RoundScheduler', () => {
  it('starts everything scheduled before the next check phase in one callback, and later schedules in a later one', async () => {
    const rounds = new RoundScheduler();
    const events: string[] = [];
    await new Promise<void>((resolve) => {
      rounds.schedule(() => {
        events.push('a');
        // Scheduled while running: the next pass, not this one.
        rounds.schedule(() => {
          events.push('c');
          resolve();
        });
        queueMicrotask(() => events.push('microtask after a'));
      });
      rounds.schedule(() => events.push('b'));
    });
    // b ran before a's microtask: a and b shared one callback.
    expect(events).toEqual(['a', 'b', 'microtask after a', 'c']);
  });
});
