import { describe, expect, it } from 'vitest';
import { RoundScheduler } from '../src/index.js';

const nextCheckPhase = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('RoundScheduler', () => {
  it('starts everything scheduled before the next check phase in one callback, and later schedules in a later one', async () => {
    const rounds = new RoundScheduler();
    const events: string[] = [];
    await new Promise<void>((resolve) => {
      rounds.schedule(() => {
        events.push('a');
        // Scheduled while running, not eagerly: the next pass, not this one.
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

  it('runs rounds scheduled eagerly after a pass in a microtask of that same turn, once per pass', async () => {
    const rounds = new RoundScheduler();
    const events: string[] = [];
    // Eager before any pass: there is no pass to follow, so it waits for the check phase.
    rounds.schedule(() => {
      events.push('pass');
      setImmediate(() => events.push('next turn'));
      queueMicrotask(() => {
        // A host that received messages from this pass: same turn.
        rounds.schedule(() => events.push('eager 1'), true);
        queueMicrotask(() => {
          // A second eager request after the first eager pass already ran: next turn.
          rounds.schedule(() => events.push('eager 2'), true);
        });
      });
    }, true);
    for (let i = 0; i < 3; i++) await nextCheckPhase();
    expect(events).toEqual(['pass', 'eager 1', 'next turn', 'eager 2']);
  });
});
