import { describe, expect, it } from 'vitest';
import { RoundScheduler, type ScheduledRound } from '../src/index.js';

describe('RoundScheduler', () => {
  it("runs every scheduled round's lead step, then every run step, in one callback; later schedules in a later one", async () => {
    const rounds = new RoundScheduler();
    const events: string[] = [];
    const round = (name: string, run: () => void = () => {}): ScheduledRound => ({ lead: () => events.push(`lead ${name}`), run: () => (events.push(`run ${name}`), run()) });
    await new Promise<void>((resolve) => {
      rounds.schedule(
        round('a', () => {
          // Scheduled while running: the next pass, not this one.
          rounds.schedule(round('c', resolve));
          queueMicrotask(() => events.push('microtask after a'));
        }),
      );
      rounds.schedule(round('b'));
    });
    // b ran before a's microtask: a and b shared one callback.
    expect(events).toEqual(['lead a', 'lead b', 'run a', 'run b', 'microtask after a', 'lead c', 'run c']);
  });

  it('lets a round scheduled during a lead step (by a delivered append) join the same pass', async () => {
    const rounds = new RoundScheduler();
    const events: string[] = [];
    const joiner: ScheduledRound = { lead: () => events.push('lead joiner'), run: () => events.push('run joiner') };
    await new Promise<void>((resolve) => {
      rounds.schedule({ lead: () => (events.push('lead leader'), rounds.schedule(joiner)), run: () => events.push('run leader') });
      setImmediate(() => setImmediate(resolve));
    });
    expect(events).toEqual(['lead leader', 'lead joiner', 'run leader', 'run joiner']);
  });
});
