import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@shoal/base';
import { earlyMessages, lateMessages, NotLeaderError, RaftNode, type Entry, type Message } from '@shoal/raft';
import { Cluster } from './cluster.js';

const encode = (text: string) => new TextEncoder().encode(text);

describe('leader election', () => {
  it('elects one leader, and every node applies the same entries in the same order', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    expect([1, 2, 3].filter((id) => cluster.node(id).role === 'leader')).toEqual([leader]);
    for (const text of ['a', 'b', 'c']) cluster.propose(text);
    cluster.tick(3);
    for (const id of [1, 2, 3]) expect(cluster.applied.get(id)).toEqual(['a', 'b', 'c']);
  });

  it('restricts votes to candidates with up-to-date logs (§5.4.1)', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    const [behind, ahead] = [1, 2, 3].filter((id) => id !== leader) as [number, number];
    cluster.isolate(behind);
    cluster.propose('only-on-two');
    cluster.heal();
    // The node that missed the entry asks for votes directly; both others refuse.
    const candidate = cluster.node(behind);
    const vote: Message = { type: 'vote', from: behind, to: ahead, term: candidate.term + 1, index: candidate.log.lastIndex(), logTerm: candidate.log.lastTerm() };
    const voter = new RaftNode({ id: ahead, membership: { voters: [1, 2, 3], learners: [] }, electionTick: 10, heartbeatTick: 2, random: new SeededRandom(1), entries: cluster.persisted.get(ahead)!.entries, hardState: cluster.persisted.get(ahead)!.hardState!, checkQuorum: false });
    voter.step(vote);
    expect(voter.ready().messages).toEqual([expect.objectContaining({ type: 'voteResponse', to: behind, reject: true })]);
  });

  it('with pre-vote, a partitioned node does not disrupt the leader when it returns', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    const term = cluster.node(leader).term;
    const loner = [1, 2, 3].find((id) => id !== leader) as number;
    cluster.isolate(loner);
    cluster.tick(100);
    expect(cluster.node(loner).term).toBe(term); // pre-votes never won, so its term did not grow
    cluster.heal();
    cluster.tick(20);
    expect([cluster.leader(), cluster.node(leader).term]).toEqual([leader, term]);
  });

  it('with check-quorum, an isolated leader steps down and the majority elects another', () => {
    const cluster = new Cluster([1, 2, 3]);
    const first = cluster.electLeader();
    cluster.isolate(first);
    cluster.node(first).propose(encode('lost'));
    cluster.tick(40);
    expect(cluster.node(first).role).not.toBe('leader');
    const second = cluster.leader();
    expect(second !== undefined && second !== first).toBe(true);
    // What the old leader accepted alone is never committed; the majority's log wins.
    cluster.heal();
    cluster.propose('after-heal');
    cluster.tick(10);
    for (const id of [1, 2, 3]) expect(cluster.applied.get(id)).toEqual(['after-heal']);
  });
});

describe('commitment (§5.4.2, Figure 8)', () => {
  it('never commits an entry of an earlier term by counting replicas', () => {
    // Node 1 holds an uncommitted entry of term 2 at index 2, also on node 2; it is elected in term 4.
    const entries = [
      { term: 1, index: 1, type: 'normal' as const, data: encode('one') },
      { term: 2, index: 2, type: 'normal' as const, data: encode('two') },
    ];
    const node = new RaftNode({ id: 1, membership: { voters: [1, 2, 3, 4, 5], learners: [] }, electionTick: 10, heartbeatTick: 2, random: new SeededRandom(3), entries, hardState: { term: 3, vote: 0, commit: 1 }, preVote: false });
    for (let i = 0; i < 30 && node.role !== 'candidate'; i++) node.tick();
    expect(node.role).toBe('candidate');
    for (const voter of [2, 3]) node.step({ type: 'voteResponse', from: voter, to: 1, term: node.term });
    expect(node.role).toBe('leader');
    const term = node.term;
    expect(node.log.term(3)).toBe(term); // the new leader's no-op
    node.advance(node.ready()); // the leader's log, its no-op included, is persisted
    // Nodes 2 and 3 acknowledge index 2 only: a majority holds it, but it is from term 2.
    node.step({ type: 'appendResponse', from: 2, to: 1, term, index: 2 });
    node.step({ type: 'appendResponse', from: 3, to: 1, term, index: 2 });
    expect(node.log.committed).toBe(1);
    // Once the current-term entry is on a majority, it commits, and index 2 with it.
    node.step({ type: 'appendResponse', from: 2, to: 1, term, index: 3 });
    node.step({ type: 'appendResponse', from: 3, to: 1, term, index: 3 });
    expect(node.log.committed).toBe(3);
  });
});

describe("the leader's own log", () => {
  it('counts toward a quorum only once persisted, so that its appends may go out before its own write', () => {
    const node = new RaftNode({ id: 1, membership: { voters: [1, 2, 3], learners: [] }, electionTick: 10, heartbeatTick: 2, random: new SeededRandom(5), preVote: false });
    for (let i = 0; i < 30 && node.role !== 'candidate'; i++) node.tick();
    node.advance(node.ready());
    node.step({ type: 'voteResponse', from: 2, to: 1, term: node.term });
    expect(node.role).toBe('leader');
    const term = node.term;
    node.advance(node.ready()); // the no-op at 1, persisted
    node.step({ type: 'appendResponse', from: 2, to: 1, term, index: 1 });
    expect(node.log.committed).toBe(1);
    node.advance(node.ready());

    const index = node.propose(encode('x'));
    const ready = node.ready();
    expect(ready.entries.map((entry) => entry.index)).toEqual([index]);
    expect(earlyMessages(ready)).toContainEqual(expect.objectContaining({ type: 'append', to: 2, entries: [expect.objectContaining({ index })] }));
    // One follower has it, the leader has not persisted it yet: no quorum.
    node.step({ type: 'appendResponse', from: 2, to: 1, term, index });
    expect(node.log.committed).toBe(1);
    // The leader's write completes: now it commits.
    node.advance(ready);
    expect(node.log.committed).toBe(index);
    expect(node.ready().committedEntries.map((entry) => entry.index)).toEqual([index]);
  });
});

describe('hard state syncs', () => {
  it('asks for a synced hard state when the term or vote changes or the commit passes a configuration entry, and only then', () => {
    const node = new RaftNode({ id: 2, membership: { voters: [1, 2, 3], learners: [] }, electionTick: 10, heartbeatTick: 2, random: new SeededRandom(1) });
    const plain = (index: number) => ({ index, term: 1, type: 'normal' as const, data: encode(`e${index}`) });
    const change = { index: 3, term: 1, type: 'config' as const, data: null, config: { kind: 'addLearner' as const, node: 4 } };
    const append = (commit: number, entries: Entry[] = []) => node.step({ type: 'append', from: 1, to: 2, term: 1, index: entries.length > 0 ? 0 : 4, logTerm: entries.length > 0 ? 0 : 1, commit, entries });
    const next = () => {
      const ready = node.ready();
      node.advance(ready);
      return [ready.hardState?.term, ready.hardState?.commit, ready.mustSync];
    };
    // A leader of term 1: the term changed.
    append(0, [plain(1), plain(2), change, plain(4)]);
    expect(next()).toEqual([1, 0, true]);
    // The commit index moves over plain entries only.
    append(2);
    expect(next()).toEqual([1, 2, false]);
    // It passes the configuration entry: a restart must not forget that membership.
    append(4);
    expect(next()).toEqual([1, 4, true]);
    expect(node.membership).toEqual({ voters: [1, 2, 3], learners: [4] });
    // Nothing changed.
    expect(next()).toEqual([undefined, undefined, false]);
  });
});

describe('replication and catch-up', () => {
  it('log matching (§5.3): rejects an append whose previous entry does not match, and replaces a conflicting suffix', () => {
    const entry = (index: number, term: number) => ({ index, term, type: 'normal' as const, data: encode(`${index}@${term}`) });
    const membership = { voters: [1, 2, 3], learners: [] };
    // The follower holds 1@1, 2@1, 3@2, 4@2 (the last two from a deposed leader of term 2).
    const node = new RaftNode({ id: 3, membership, electionTick: 10, heartbeatTick: 2, random: new SeededRandom(1), entries: [entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2)], hardState: { term: 2, vote: 0, commit: 1 } });
    // The term-3 leader's entry before its new ones is 4@3: no match, so nothing is appended.
    node.step({ type: 'append', from: 1, to: 3, term: 3, index: 4, logTerm: 3, commit: 1, entries: [entry(5, 3)] });
    expect(node.ready().messages).toEqual([{ type: 'appendResponse', from: 3, to: 1, term: 3, index: 4, reject: true, rejectHint: 4 }]);
    expect(node.log.lastIndex()).toBe(4);
    // Matching at 2@1, the leader's 3@3 and 4@3 replace the conflicting 3@2 and 4@2.
    node.step({ type: 'append', from: 1, to: 3, term: 3, index: 2, logTerm: 1, commit: 3, entries: [entry(3, 3), entry(4, 3)] });
    expect([3, 4].map((index) => node.log.term(index))).toEqual([3, 3]);
    expect(node.log.committed).toBe(3);
    // A delayed duplicate of an older, shorter append must not truncate what followed it.
    node.step({ type: 'append', from: 1, to: 3, term: 3, index: 2, logTerm: 1, commit: 3, entries: [entry(3, 3)] });
    expect(node.log.lastIndex()).toBe(4);
  });

  it('acknowledges only the snapshot index when it already holds the snapshot entry and stale entries after it', () => {
    // Found by the simulator (seed 3397 at c605ade): answering with the last index let a leader
    // believe a deposed leader's uncommitted entries matched its own, and tell it to commit them.
    const entry = (index: number, term: number) => ({ index, term, type: 'normal' as const, data: encode(`${index}`) });
    const membership = { voters: [1, 2, 3], learners: [] };
    const node = new RaftNode({ id: 3, membership, electionTick: 10, heartbeatTick: 2, random: new SeededRandom(1), entries: [entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2)], hardState: { term: 2, vote: 3, commit: 0 } });
    node.step({ type: 'snapshot', from: 1, to: 3, term: 3, snapshot: { meta: { index: 2, term: 1, membership }, data: encode('state') } });
    expect(node.ready().messages).toEqual([{ type: 'appendResponse', from: 3, to: 1, term: 3, index: 2 }]);
    expect(node.log.committed).toBe(2);
  });

  it('brings a restarted node up to date by probing, then by snapshot after compaction', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    const lagging = [1, 2, 3].find((id) => id !== leader) as number;
    cluster.crash(lagging);
    for (let i = 0; i < 20; i++) cluster.propose(`e${i}`);
    cluster.restart(lagging);
    cluster.tick(5);
    expect(cluster.applied.get(lagging)).toEqual(cluster.applied.get(leader));

    cluster.crash(lagging);
    for (let i = 20; i < 40; i++) cluster.propose(`e${i}`);
    const leaderNode = cluster.node(leader);
    leaderNode.compact(leaderNode.log.applied, encode(JSON.stringify(cluster.applied.get(leader))));
    cluster.restart(lagging);
    cluster.tick(5);
    expect(cluster.delivered.some((message) => message.type === 'snapshot' && message.to === lagging)).toBe(true);
    expect(cluster.applied.get(lagging)).toEqual(Array.from({ length: 40 }, (_, i) => `e${i}`));
  });

  it('compacts without data, asks the driver for a snapshot when a peer needs one, and lets go of it once sent', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    const lagging = [1, 2, 3].find((id) => id !== leader) as number;
    cluster.crash(lagging);
    for (let i = 0; i < 10; i++) cluster.propose(`e${i}`);
    const leaderNode = cluster.node(leader);
    leaderNode.compact(leaderNode.log.applied);
    expect(leaderNode.snapshot()?.data).toEqual(new Uint8Array(0));
    cluster.restart(lagging);
    cluster.tick(3);
    // No data to send: the lagging node has nothing yet, and the leader asks its driver.
    expect(cluster.delivered.some((message) => message.type === 'snapshot')).toBe(false);
    expect(leaderNode.wantsSnapshot()).toBe(true);
    // Meanwhile more entries apply; the driver answers with the state at its applied index.
    for (let i = 10; i < 12; i++) cluster.propose(`e${i}`);
    leaderNode.provideSnapshot(leaderNode.log.applied, encode(JSON.stringify(cluster.applied.get(leader))));
    expect(leaderNode.wantsSnapshot()).toBe(false);
    cluster.tick(3);
    const sent = cluster.delivered.filter((message) => message.type === 'snapshot' && message.to === lagging);
    expect(sent.map((message) => message.snapshot?.meta.index)).toEqual([leaderNode.log.applied]);
    expect(cluster.applied.get(lagging)).toEqual(Array.from({ length: 12 }, (_, i) => `e${i}`));
    // Nobody needs it any more: after an election timeout the leader holds only the compaction point.
    cluster.tick(12);
    expect(leaderNode.snapshot()?.data).toEqual(new Uint8Array(0));
    expect(leaderNode.wantsSnapshot()).toBe(false);
  });

  it('ignores snapshot data for an index the log was compacted past or has not applied', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leaderNode = cluster.node(cluster.electLeader());
    for (let i = 0; i < 5; i++) cluster.propose(`e${i}`);
    leaderNode.compact(4);
    leaderNode.provideSnapshot(3, encode('old'));
    leaderNode.provideSnapshot(leaderNode.log.applied + 1, encode('future'));
    expect(leaderNode.snapshot()).toEqual({ meta: { index: 4, term: leaderNode.term, membership: { voters: [1, 2, 3], learners: [] } }, data: new Uint8Array(0) });
  });

  it('with a reader of persisted entries, keeps only recent entries in memory and serves a lagging follower from disk', () => {
    const cluster = new Cluster([1, 2, 3], 1, { maxEntriesPerMessage: 4 }, [1, 2, 3], true);
    const leader = cluster.electLeader();
    const lagging = [1, 2, 3].find((id) => id !== leader) as number;
    cluster.crash(lagging);
    for (let i = 0; i < 30; i++) cluster.propose(`e${i}`);
    const leaderLog = cluster.node(leader).log;
    // Everything applied but the last applied entry has left memory.
    expect([leaderLog.entriesInMemory, leaderLog.lastIndex(), leaderLog.applied]).toEqual([1, 31, 31]);
    expect(cluster.readsFromDisk).toBe(0);
    cluster.restart(lagging);
    cluster.tick(5);
    expect(cluster.applied.get(lagging)).toEqual(Array.from({ length: 30 }, (_, i) => `e${i}`));
    expect(cluster.readsFromDisk).toBeGreaterThanOrEqual(30);
    expect(cluster.node(lagging).log.entriesInMemory).toBe(1);
  });

  it('resumes replication to a follower whose full pipeline of appends was lost while it was down', () => {
    // Found by the real-process kill test: the leader kept the restarted follower paused forever.
    const cluster = new Cluster([1, 2, 3], 1, { maxInflight: 2, maxEntriesPerMessage: 1 });
    const leader = cluster.electLeader();
    const lagging = [1, 2, 3].find((id) => id !== leader) as number;
    cluster.propose('before');
    cluster.crash(lagging);
    for (let i = 0; i < 10; i++) cluster.propose(`e${i}`);
    cluster.restart(lagging);
    cluster.tick(5);
    expect(cluster.applied.get(lagging)).toEqual(cluster.applied.get(leader));
    expect(cluster.applied.get(lagging)).toHaveLength(11);
  });

  it('pipelines appends up to the inflight limit and batches entries per message', () => {
    const cluster = new Cluster([1, 2, 3], 1, { maxInflight: 4, maxEntriesPerMessage: 8 });
    const leader = cluster.electLeader();
    const node = cluster.node(leader);
    // One acknowledged entry takes each follower from probing to replicating.
    node.propose(encode('first'));
    cluster.stabilize();
    cluster.delivered = [];
    for (let i = 0; i < 40; i++) node.propose(encode(`p${i}`));
    const ready = node.ready();
    // A leader's appends may go before its own write; none waits for it.
    expect(lateMessages(ready).filter((message) => message.type === 'append')).toEqual([]);
    const sent = earlyMessages(ready).filter((message) => message.type === 'append');
    // Each follower gets at most 4 appends in flight, each full at 8 entries.
    for (const follower of [1, 2, 3].filter((id) => id !== leader)) {
      const toFollower = sent.filter((message) => message.to === follower);
      expect(toFollower.length).toBeGreaterThanOrEqual(1);
      expect(toFollower.length).toBeLessThanOrEqual(4);
      for (const message of toFollower) expect(message.entries!.length).toBe(8);
    }
    cluster.process(leader, ready);
    cluster.stabilize();
    cluster.tick(5);
    for (const id of [1, 2, 3]) expect(cluster.applied.get(id)).toHaveLength(41);
  });

  it('keeps acknowledged entries across a restart of every node', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.electLeader();
    for (const text of ['x', 'y']) cluster.propose(text);
    cluster.tick(3);
    for (const id of [1, 2, 3]) cluster.crash(id);
    for (const id of [1, 2, 3]) cluster.restart(id);
    cluster.electLeader();
    cluster.propose('z');
    cluster.tick(3);
    for (const id of [1, 2, 3]) expect(cluster.applied.get(id)).toEqual(['x', 'y', 'z']);
  });
});

describe('membership changes', () => {
  it('adds a learner that catches up, promotes it, and it then counts toward quorums', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    cluster.propose('before');
    cluster.add(4, { voters: [1, 2, 3], learners: [] });
    cluster.node(leader).proposeConfigChange({ kind: 'addLearner', node: 4 });
    cluster.stabilize();
    cluster.tick(3);
    expect(cluster.applied.get(4)).toEqual(['before']);
    expect(cluster.node(leader).membership).toEqual({ voters: [1, 2, 3], learners: [4] });
    cluster.node(leader).proposeConfigChange({ kind: 'promote', node: 4 });
    cluster.stabilize();
    cluster.tick(3);
    expect(cluster.node(leader).membership).toEqual({ voters: [1, 2, 3, 4], learners: [] });
    // With 4 voters, two failures stop commitment: a quorum is 3.
    const others = [1, 2, 3].filter((id) => id !== leader) as [number, number];
    cluster.crash(others[0]);
    cluster.crash(others[1]);
    const index = cluster.node(leader).propose(encode('needs-three'));
    cluster.tick(2);
    expect(cluster.node(leader).log.committed).toBeLessThan(index);
  });

  it('allows one pending change at a time, and a removed leader steps down', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    cluster.tick(2);
    const node = cluster.node(leader);
    node.proposeConfigChange({ kind: 'remove', node: leader });
    expect(() => node.proposeConfigChange({ kind: 'addLearner', node: 9 })).toThrow('a configuration change is already pending');
    cluster.stabilize();
    expect(node.role).toBe('follower');
    const next = cluster.electLeader();
    expect(next).not.toBe(leader);
    expect(cluster.node(next).membership.voters).toEqual([1, 2, 3].filter((id) => id !== leader));
  });
});

describe('leadership transfer and reads', () => {
  it('transfers leadership to an up-to-date follower', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    const target = [1, 2, 3].find((id) => id !== leader) as number;
    cluster.propose('x');
    cluster.node(leader).transferLeadership(target);
    cluster.stabilize();
    expect(cluster.leader()).toBe(target);
    expect(() => cluster.node(leader).propose(encode('y'))).toThrow(NotLeaderError);
  });

  it('answers ReadIndex after a quorum confirms leadership, and lease reads while the lease holds', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    cluster.propose('x');
    const node = cluster.node(leader);
    node.readIndex(7);
    expect(node.ready().readStates).toEqual([]);
    cluster.stabilize();
    expect(cluster.readStates.get(leader)).toEqual([{ index: node.log.committed, requestId: 7 }]);
    cluster.tick(2);
    expect(node.leaseRead()).toBe(node.log.committed);
    for (const id of [1, 2, 3].filter((other) => other !== leader)) cluster.crash(id);
    cluster.tick(12);
    expect(node.leaseRead()).toBeUndefined();
  });

  it('counts a lease from when the leader sent what followers acknowledged, not from when acknowledgements arrive', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    cluster.propose('x');
    cluster.tick(2);
    const node = cluster.node(leader);
    expect(node.leaseRead()).toBe(node.log.committed);
    const followers = [1, 2, 3].filter((other) => other !== leader);
    for (const id of followers) cluster.crash(id);
    // Late duplicates of old acknowledgements (a heartbeat sent at tick 0) arrive after the lease ran out.
    cluster.tick(12);
    for (const from of followers) node.step({ type: 'heartbeatResponse', from, to: leader, term: node.term, tick: 0 });
    expect(node.leaseRead()).toBeUndefined();
    // An echo of a recent heartbeat renews it.
    for (const from of followers) node.step({ type: 'heartbeatResponse', from, to: leader, term: node.term, tick: node.ticksElapsed() });
    expect(node.leaseRead()).toBe(node.log.committed);
  });
});
