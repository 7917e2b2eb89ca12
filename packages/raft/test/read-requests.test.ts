import { describe, expect, it } from 'vitest';
import { ReadRequests } from '../src/read-requests.js';

describe('ReadRequests', () => {
  const voters = [1, 2, 3];

  it('answers a request once a quorum acknowledged its heartbeat, with every earlier one, in order', () => {
    const reads = new ReadRequests();
    expect(reads.start(10, 5, 1, voters)).toBe(true);
    expect(reads.start(11, 7, 1, voters)).toBe(true);
    expect(reads.start(12, 8, 1, voters)).toBe(true);
    // A learner's acknowledgement does not count toward the quorum.
    reads.acknowledge(11, 4, voters);
    expect(reads.answered).toEqual([]);
    reads.acknowledge(11, 2, voters);
    expect(reads.answered).toEqual([
      { index: 5, requestId: 10 },
      { index: 7, requestId: 11 },
    ]);
    // Acknowledgements of answered requests change nothing.
    reads.acknowledge(10, 3, voters);
    expect(reads.answered).toHaveLength(2);
    reads.release(2);
    reads.acknowledge(12, 3, voters);
    expect(reads.answered).toEqual([{ index: 8, requestId: 12 }]);
  });

  it('answers at once with a single voter, and drops what is unanswered on a change of term', () => {
    const reads = new ReadRequests();
    expect(reads.start(1, 3, 1, [1])).toBe(false);
    expect(reads.answered).toEqual([{ index: 3, requestId: 1 }]);
    reads.start(2, 4, 1, voters);
    reads.defer(3);
    reads.dropUnanswered();
    reads.acknowledge(2, 2, voters);
    expect(reads.answered).toEqual([{ index: 3, requestId: 1 }]);
    expect(reads.takeDeferred()).toEqual([]);
  });
});
