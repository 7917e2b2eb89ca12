import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '@shoal/base';
import type { Message } from '@shoal/raft';
import { MemoryEngine } from '@shoal/storage';
import { waitFor } from '@shoal/testkit';
import { GrpcTransport, messageFromWire, messageToWire, RaftHost, RegisterMachine } from '../src/index.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('Raft messages on the wire', () => {
  it('round-trips every message shape through the proto mapping', () => {
    const messages: Message[] = [
      { type: 'preVote', from: 1, to: 2, term: 5, logTerm: 4, index: 10 },
      { type: 'voteResponse', from: 2, to: 1, term: 5, reject: true },
      {
        type: 'append', from: 1, to: 3, term: 5, logTerm: 0, index: 0, commit: 0,
        entries: [
          { term: 5, index: 1, type: 'normal', data: null },
          { term: 5, index: 2, type: 'normal', data: bytes('k=v') },
          { term: 5, index: 3, type: 'config', data: null, config: { kind: 'addLearner', node: 4 } },
        ],
      },
      { type: 'appendResponse', from: 3, to: 1, term: 5, index: 7, reject: true, rejectHint: 3 },
      { type: 'heartbeat', from: 1, to: 2, term: 5, commit: 9, context: -1, tick: 42 },
      { type: 'heartbeatResponse', from: 2, to: 1, term: 5, context: 7, tick: 42 },
      { type: 'snapshot', from: 1, to: 2, term: 5, snapshot: { meta: { index: 40, term: 4, membership: { voters: [1, 2, 3], learners: [4] } }, data: bytes('state') } },
      { type: 'timeoutNow', from: 1, to: 2, term: 5 },
    ];
    for (const message of messages) expect(messageFromWire(messageToWire(message))).toEqual(message);
  });
});

let hosts: RaftHost[] = [];
afterEach(async () => {
  for (const host of hosts) await host.close();
  hosts = [];
});

describe('gRPC transport', () => {
  it('replicates groups between three hosts over loopback gRPC', async () => {
    const transports = await Promise.all([1, 2, 3].map((node) => GrpcTransport.start({ node, listen: '127.0.0.1:0', peers: new Map() })));
    for (const [i, transport] of transports.entries()) {
      for (const [j, other] of transports.entries()) if (i !== j) transport.setPeer(j + 1, `127.0.0.1:${other.port}`);
    }
    const machines = new Map<string, RegisterMachine>();
    for (const [i, transport] of transports.entries()) {
      const host = new RaftHost({ node: i + 1, engine: new MemoryEngine(), transport, tickMs: 10, random: new SeededRandom(i + 1) });
      hosts.push(host);
      for (const group of [1, 2]) {
        const machine = new RegisterMachine();
        machines.set(`${i + 1}/${group}`, machine);
        await host.addGroup(group, { voters: [1, 2, 3], learners: [] }, machine);
      }
    }
    for (const group of [1, 2]) {
      await waitFor(() => hosts.some((host) => host.raft(group).role === 'leader'), `a leader of group ${group}`);
      const leader = hosts.find((host) => host.raft(group).role === 'leader') as RaftHost;
      await Promise.all(Array.from({ length: 100 }, (_, i) => leader.propose(group, RegisterMachine.command(`k${i}`, `${group}:${i}`))));
      await waitFor(() => [1, 2, 3].every((node) => machines.get(`${node}/${group}`)?.values.get('k99') === `${group}:99`), `group ${group} on every node`);
    }
    expect(hosts.reduce((sum, host) => sum + host.stats.batchesSent, 0)).toBeGreaterThan(0);
  });
});
