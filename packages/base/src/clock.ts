/** Wall-clock time, injected so that pure code and simulations control it. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

/** A clock that moves only when told to; for tests and simulation. */
export class ManualClock implements Clock {
  constructor(private timeMs = 0) {}
  nowMs(): number {
    return this.timeMs;
  }
  advance(deltaMs: number): void {
    this.timeMs += deltaMs;
  }
  set(timeMs: number): void {
    this.timeMs = timeMs;
  }
}
