import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partitionToken } from '@shoal/codec';
import { addNode, checkMap, initialMap, partitionFor, removeNode, replicaCounts, splitPartition, tokenValue, TOKEN_SPACE_END, type StorageNode } from '../src/index.js';

const nodesIn = (count: number, azs = ['az-a', 'az-b', 'az-c']): StorageNode[] => Array.from({ length: count }, (_, i) => ({ id: i + 1, az: azs[i % azs.length] as string }));
const spread = (counts: Map<number, number>) => Math.max(...counts.values()) - Math.min(...counts.values());

describe('the partition map', () => {
  it('covers the token ring with balanced replicas, one per AZ, and finds the owner of any token', () => {
    const nodes = nodesIn(6);
    const map = initialMap(64, nodes);
    expect(checkMap(map, nodes)).toEqual([]);
    expect(spread(replicaCounts(map, nodes))).toBeLessThanOrEqual(1);
    expect(map.partitions[0]?.start).toBe(0n);
    expect(map.partitions.at(-1)?.end).toBe(TOKEN_SPACE_END);
    for (let i = 0; i < 500; i++) {
      const token = tokenValue(partitionToken(new TextEncoder().encode(`key${i}`)));
      const owner = partitionFor(map, token);
      expect(map.partitions.filter((partition) => partition.start <= token && token < partition.end)).toEqual([owner]);
    }
  });

  it('reports broken invariants', () => {
    const nodes = nodesIn(3);
    const map = initialMap(2, nodes);
    const [first, second] = map.partitions as [typeof map.partitions[0], typeof map.partitions[0]];
    const broken = {
      ...map,
      partitions: [
        { ...first, end: first.end - 1n, replicas: [1, 1, 2] },
        { ...second, replicas: [1, 4, 2] },
      ],
    };
    expect(checkMap(broken, [...nodes, { id: 4, az: 'az-a' }])).toEqual([
      'partition 1 repeats a node',
      'partition 1 has replicas in only 2 AZs',
      `partition 2 starts at ${second.start}, expected ${first.end - 1n}`,
      'partition 2 has replicas in only 2 AZs',
    ]);
  });

  it('reads tokens as unsigned big-endian 64-bit integers', () => {
    expect(tokenValue(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 1))).toBe(1n);
    expect(tokenValue(Uint8Array.of(255, 255, 255, 255, 255, 255, 255, 255))).toBe(TOKEN_SPACE_END - 1n);
    expect(tokenValue(Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0))).toBe(1n << 56n);
  });

  it('moves only onto an added node, keeps one replica per AZ, and balances its AZ', () => {
    const before = nodesIn(3);
    const map = initialMap(64, before);
    const after = [...before, { id: 4, az: 'az-a' }];
    const { map: moved, moves } = addNode(map, after, 4);
    expect(checkMap(moved, after)).toEqual([]);
    expect(moves.every((move) => move.to === 4 && move.from === 1)).toBe(true);
    // With one replica per AZ, node 4 can only take over node 1's replicas (AZ a): half of them.
    expect(moves).toHaveLength(32);
    expect(moved.version).toBe(map.version + 1);
    const counts = replicaCounts(moved, after);
    expect([counts.get(1), counts.get(4)]).toEqual([32, 32]);
  });

  it('moves about 1/N of the replicas when a node joins a larger cluster', () => {
    const before = nodesIn(6);
    const map = initialMap(120, before);
    const after = [...before, { id: 7, az: 'az-a' }];
    const { map: moved, moves } = addNode(map, after, 7);
    expect(checkMap(moved, after)).toEqual([]);
    // Node 7 joins AZ a (nodes 1 and 4): AZ a's 120 replicas spread over 3 nodes, 40 each.
    expect(moves).toHaveLength(40);
    expect(moves.length / (120 * 3)).toBeCloseTo(1 / 9, 5);
    expect(new Set(moves.map((move) => move.from))).toEqual(new Set([1, 4]));
  });

  it('re-creates a removed node’s replicas in the same AZ when it can, elsewhere when it cannot', () => {
    const six = nodesIn(6);
    const map = initialMap(60, six);
    const five = six.filter((node) => node.id !== 4); // node 4 is in AZ a, with node 1
    const { map: healed, moves } = removeNode(map, five, 4, 'az-a');
    expect(checkMap(healed, five)).toEqual([]);
    expect(moves.every((move) => move.from === 4 && move.to === 1)).toBe(true);
    expect(moves).toHaveLength(map.partitions.filter((partition) => partition.replicas.includes(4)).length);

    const three = nodesIn(3);
    const small = initialMap(8, three);
    const two = three.filter((node) => node.id !== 3);
    const { map: degraded, moves: none } = removeNode(small, two, 3, 'az-c');
    // No node is left for a third replica: partitions keep the two they have.
    expect(none).toEqual([]);
    expect(degraded.partitions.every((partition) => partition.replicas.length === 2)).toBe(true);
  });

  it('splits a partition into two that cover the same tokens on the same replicas', () => {
    const nodes = nodesIn(3);
    const map = initialMap(4, nodes);
    const target = map.partitions[1]!;
    const middle = (target.start + target.end) / 2n;
    const split = splitPartition(map, target.id, middle, 5);
    expect(checkMap(split, nodes)).toEqual([]);
    expect(split.partitions.map((partition) => partition.id)).toEqual([1, 2, 5, 3, 4]);
    expect(partitionFor(split, middle - 1n).id).toBe(2);
    expect(partitionFor(split, middle).id).toBe(5);
    expect(split.partitions[2]?.replicas).toEqual(target.replicas);
    expect(() => splitPartition(map, target.id, target.start, 6)).toThrow('is not inside partition');
  });

  it('keeps every invariant through random joins, departures and splits', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('add', 'remove', 'split'), fc.nat(1000)), { maxLength: 30 }), (steps) => {
        let nodes = nodesIn(3);
        let nextNode = 4;
        let nextPartition = 9;
        let map = initialMap(8, nodes);
        for (const [kind, choice] of steps) {
          if (kind === 'add') {
            const node = { id: nextNode++, az: ['az-a', 'az-b', 'az-c'][choice % 3] as string };
            nodes = [...nodes, node];
            map = addNode(map, nodes, node.id).map;
          } else if (kind === 'remove' && nodes.length > 3) {
            const gone = nodes[choice % nodes.length] as StorageNode;
            const remaining = nodes.filter((node) => node.id !== gone.id);
            // Keep three AZs, as the cluster's operators must.
            if (new Set(remaining.map((node) => node.az)).size < 3) continue;
            nodes = remaining;
            map = removeNode(map, nodes, gone.id, gone.az).map;
          } else if (kind === 'split') {
            const partition = map.partitions[choice % map.partitions.length]!;
            if (partition.end - partition.start < 2n) continue;
            map = splitPartition(map, partition.id, (partition.start + partition.end) / 2n, nextPartition++);
          }
          expect(checkMap(map, nodes)).toEqual([]);
        }
      }),
      { seed: 20261130, numRuns: 200 },
    );
  });
});
