import { describe, expect, it } from 'vitest';
import { initialMap } from '@shoal/placement';
import { renderRing, type ReportedNode } from '../src/index.js';

describe('the ring report of npm run admin', () => {
  it('shows token ranges, replicas with AZs, the leader, and lagging or unreachable replicas', () => {
    const nodes = [
      { id: 1, az: 'a' },
      { id: 2, az: 'b' },
      { id: 3, az: 'c' },
    ];
    const layout = { nodes, metadataVoters: [1, 2, 3], map: initialMap(2, nodes) };
    const group = (id: number, role: string, applied: number) => ({ group: id, role, leader: 1, term: 3, commit: 10, applied });
    const reported = new Map<number, ReportedNode | undefined>([
      [1, { node: 1, az: 'a', groups: [group(0, 'leader', 10), group(1, 'leader', 10), group(2, 'follower', 10)] }],
      [2, { node: 2, az: 'b', groups: [group(0, 'follower', 10), group(1, 'follower', 7), group(2, 'leader', 10)] }],
      [3, undefined],
    ]);
    expect(renderRing(layout, reported).split('\n')).toEqual([
      'ring: 2 partitions (map version 1), 3 nodes in 3 AZs, 2 reachable',
      'nodes: 1@a  2@b  3@c (down)',
      'metadata group: voters 1, 2, 3',
      '',
      'partition  tokens                               replicas (* leader)              term  commit  lagging',
      'metadata   -                                    1*(a) 2(b) 3(c)                     3      10  3:down',
      '1          0000000000000000-7fffffffffffffff    1*(a) 2(b) 3(c)                     3      10  2:3 3:down',
      '2          8000000000000000-ffffffffffffffff    1(a) 2*(b) 3(c)                     3      10  3:down',
    ]);
  });
});
