import { describe, expect, it } from 'vitest';
import { FOLLOW_UP_PASSES, RoundScheduler, type ScheduledRound } from '../src/index.js';

describe('RoundScheduler', () => {
  it("runs every scheduled round's lead step, then every run step, in one callback; rounds scheduled meanwhile in the pass after", async () => {
    const rounds = new RoundScheduler();
    const events: string[] = [];
    const round = (name: string, run: () => void = () => {}): ScheduledRound => ({ lead: () => events.push(`lead ${name}`), run: async () => (events.push(`run ${name}`), run()) });
    await new Promise<void>((resolve) => {
      rounds.schedule(
        round('a', () => {
          // Scheduled while running: the follow-up pass, not this one.
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
    const joiner: ScheduledRound = { lead: () => events.push('lead joiner'), run: async () => void events.push('run joiner') };
    await new Promise<void>((resolve) => {
      rounds.schedule({ lead: () => (events.push('lead leader'), rounds.schedule(joiner)), run: async () => void events.push('run leader') });
      setImmediate(() => setImmediate(resolve));
    });
    expect(events).toEqual(['lead leader', 'lead joiner', 'run leader', 'run joiner']);
  });

  it('runs a round scheduled by a finished pass in a follow-up pass of the same callback, up to FOLLOW_UP_PASSES', async () => {
    const rounds = new RoundScheduler();
    const events: string[] = [];
    let passes = 0;
    // Every pass reschedules: as a leader would, after the acknowledgements of its appends came back.
    const again: ScheduledRound = {
      lead: () => events.push(`lead ${passes}`),
      run: async () => {
        passes++;
        events.push(`run ${passes}`);
        if (passes < FOLLOW_UP_PASSES + 3) rounds.schedule(again);
      },
    };
    rounds.schedule(again);
    await new Promise<void>((resolve) => setImmediate(() => (events.push('next turn'), resolve())));
    // The first callback ran the first pass and the follow-ups; the rest waits for the next turn.
    expect(events).toEqual([...Array.from({ length: FOLLOW_UP_PASSES + 1 }, (_, pass) => [`lead ${pass}`, `run ${pass + 1}`]).flat(), 'next turn']);
    await new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));
    expect(passes).toBe(FOLLOW_UP_PASSES + 3);
  });

  it('holds a round scheduled while a pass is in flight for the end of that pass', async () => {
    const rounds = new RoundScheduler();
    const events: string[] = [];
    let finishWrite!: () => void;
    const slow: ScheduledRound = { lead: () => events.push('lead slow'), run: () => new Promise<void>((resolve) => (finishWrite = () => (events.push('slow done'), resolve()))) };
    const late: ScheduledRound = { lead: () => events.push('lead late'), run: async () => void events.push('run late') };
    rounds.schedule(slow);
    await new Promise<void>((resolve) => setImmediate(resolve));
    rounds.schedule(late);
    await new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));
    expect(events).toEqual(['lead slow']);
    finishWrite();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(events).toEqual(['lead slow', 'slow done', 'lead late', 'run late']);
  });
});
