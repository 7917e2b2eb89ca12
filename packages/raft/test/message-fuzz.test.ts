import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@shoal/base';
import { malformedMessage, RaftNode, type Entry, type Message, type MessageType } from '@shoal/raft';


const TYPES: MessageType[] = ['preVote', 'preVoteResponse', 'vote', 'voteResponse', 'append', 'appendResponse', 'heartbeat', 'heartbeatResponse', 'snapshot', 'timeoutNow'];
const small = fc.integer({ min: 0, max: 12 });
/** Mostly well-formed messages (entries only on appends, contiguous, terms in order), some not. */
const message: fc.Arbitrary<Message> = fc
  .record({
    type: fc.constantFrom(...TYPES),
    from: fc.integer({ min: 0, max: 4 }),
    to: fc.constantFrom(1, 1, 1, 2),
    term: small,
    logTerm: small,
    index: small,
    commit: small,
    entryCount: fc.integer({ min: 0, max: 3 }),
    config: fc.boolean(),
    reject: fc.boolean(),
    rejectHint: small,
    context: fc.integer({ min: -1, max: 5 }),
    garble: fc.integer({ min: 0, max: 9 }),
  })
  .map(({ entryCount, config, garble, ...fields }) => {
    const candidate: Message = { ...fields, logTerm: Math.min(fields.logTerm, fields.term) };
    if (fields.type === 'append') {
      candidate.entries = Array.from({ length: entryCount }, (_, i): Entry =>
        config && i === 0
          ? { index: fields.index + 1 + i, term: fields.term, type: 'config', data: null, config: { kind: 'remove', node: 3 } }
          : { index: fields.index + 1 + i, term: fields.term, type: 'normal', data: new Uint8Array([i]) },
      );
    }
    if (fields.type === 'snapshot') {
      candidate.snapshot = { meta: { index: fields.index + 1, term: Math.max(1, candidate.logTerm ?? 1), membership: { voters: [1, 2, 3], learners: [] } }, data: new Uint8Array([0]) };
    }
    if (garble === 0 && candidate.entries?.[0]) candidate.entries[0].index += 2; // out of order
    if (garble === 1) candidate.term = -1;
    return candidate;
  });

function node(): RaftNode {
  const entries = [1, 2, 3].map((index) => ({ index, term: index, type: 'normal' as const, data: new Uint8Array([index]) }));
  return new RaftNode({ id: 1, membership: { voters: [1, 2, 3], learners: [] }, electionTick: 10, heartbeatTick: 2, random: new SeededRandom(7), entries, hardState: { term: 3, vote: 0, commit: 2 } });
}

describe('messages from the network', () => {
  it('are either rejected as malformed or stepped without tripping an assertion, in every role', () => {
    let leaderSteps = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(message, fc.nat(3), fc.boolean()), { maxLength: 40 }), (steps) => {
        const raft = node();
        for (const [candidate, ticks, help] of steps) {
          for (let i = 0; i < ticks * 5; i++) raft.tick();
          // Now and then the peers grant a campaign, so that leaders face the fuzz too.
          if (help && raft.role === 'preCandidate') for (const from of [2, 3]) raft.step({ type: 'preVoteResponse', from, to: 1, term: raft.term + 1 });
          if (help && raft.role === 'candidate') for (const from of [2, 3]) raft.step({ type: 'voteResponse', from, to: 1, term: raft.term });
          if (malformedMessage(candidate, raft.id) === undefined) raft.step(candidate);
          if (raft.hasReady()) raft.advance(raft.ready());
          if (raft.role === 'leader' && ticks === 3) raft.propose(new Uint8Array([9]));
          if (raft.role === 'leader') leaderSteps++;
        }
      }),
      { seed: 4242, numRuns: 3000 },
    );
    expect(leaderSteps).toBeGreaterThan(1000); // the fuzz reaches the leader's code paths too
  });

  it('names what is wrong with a malformed message', () => {
    expect(malformedMessage({ type: 'nope' as MessageType, from: 2, to: 1, term: 1 }, 1)).toBe('unknown type nope');
    expect(malformedMessage({ type: 'heartbeat', from: 2, to: 3, term: 1 }, 1)).toBe('from 2 to 3 on node 1');
    expect(malformedMessage({ type: 'heartbeat', from: 2, to: 1, term: -1 }, 1)).toBe('term -1');
    expect(malformedMessage({ type: 'append', from: 2, to: 1, term: 2, index: 4, logTerm: 2, entries: [{ index: 6, term: 2, type: 'normal', data: null }] }, 1)).toBe('entry index 6 where 5 was due');
    expect(malformedMessage({ type: 'append', from: 2, to: 1, term: 2, index: 4, logTerm: 2, entries: [{ index: 5, term: 3, type: 'normal', data: null }] }, 1)).toBe('entry 5 has term 3');
    expect(malformedMessage({ type: 'append', from: 2, to: 1, term: 2, index: 4, logTerm: 2, entries: [{ index: 5, term: 2, type: 'normal', data: null }] }, 1)).toBeUndefined();
  });
});
