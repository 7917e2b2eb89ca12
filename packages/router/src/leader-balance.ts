import type { PartitionMap } from '@shoal/placement';
import type { MembershipControl } from './replica-moves.js';

/**
 * One step of leadership balancing: when one node leads at least two partitions more than
 * another node holding a replica of one of them, that partition's leadership is transferred
 * there. Raft elections favour whichever node timed out first, so without this one node of a
 * multi-process cluster can end up leading most partitions and doing most of the work.
 * Returns the transfer asked for, if any (one per call, so a balancer moves gradually).
 */
export async function balanceLeadersOnce(map: PartitionMap, membership: MembershipControl): Promise<{ partition: number; from: number; to: number } | undefined> {
  const leaderOf = new Map<number, number>();
  const led = new Map<number, number>();
  for (const partition of map.partitions) {
    for (const node of partition.replicas) led.set(node, led.get(node) ?? 0);
    for (const node of partition.replicas) {
      const state = await membership.state(node, partition.id).catch(() => undefined);
      if (state?.role !== 'leader') continue;
      leaderOf.set(partition.id, node);
      led.set(node, (led.get(node) ?? 0) + 1);
      break;
    }
  }
  const busiest = [...led].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  for (const [from, count] of busiest) {
    for (const partition of map.partitions) {
      if (leaderOf.get(partition.id) !== from) continue;
      const target = partition.replicas.filter((node) => node !== from).sort((a, b) => (led.get(a) ?? 0) - (led.get(b) ?? 0) || a - b)[0];
      if (target === undefined || (led.get(target) ?? 0) + 2 > count) continue;
      await membership.transferLeadership(from, partition.id, target);
      return { partition: partition.id, from, to: target };
    }
  }
  return undefined;
}
