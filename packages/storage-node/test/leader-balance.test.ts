import { afterEach, describe, expect, it } from 'vitest';
import { initialMap } from '@shoal/placement';
import { balanceLeadersOnce } from '@shoal/router';
import { waitFor } from '@shoal/testkit';
import { LocalMembershipControl, type StorageNode } from '../src/index.js';
import { startTestCluster, THREE_AZS } from './test-cluster.js';

/** Leadership balancing: a node leading every partition hands leaderships over until each node leads its share. */
const PARTITIONS = 8;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

function leaderCounts(nodes: Map<number, StorageNode>): number[] {
  return [...nodes.values()].map((node) => node.status().groups.filter((group) => group.group !== 0 && group.role === 'leader').length);
}

describe('leadership balancing', () => {
  it('moves leaderships off a node that leads every partition until the counts differ by at most one', async () => {
    const map = initialMap(PARTITIONS, THREE_AZS);
    const cluster = await startTestCluster(map);
    close = cluster.close;
    const control = new LocalMembershipControl(cluster.nodes);
    await waitFor(() => leaderCounts(cluster.nodes).reduce((a, b) => a + b, 0) === PARTITIONS, 'every partition to have a leader');
    // Every leadership to node 1.
    for (const partition of map.partitions) {
      await waitFor(async () => {
        const states = await Promise.all(partition.replicas.map((node) => control.state(node, partition.id)));
        const leader = partition.replicas.find((_, i) => states[i]?.role === 'leader');
        if (leader === 1) return true;
        if (leader !== undefined) await control.transferLeadership(leader, partition.id, 1);
        return false;
      }, `node 1 to lead partition ${partition.id}`);
    }
    expect(leaderCounts(cluster.nodes)).toEqual([PARTITIONS, 0, 0]);

    let transfers = 0;
    for (let step = 0; step < 4 * PARTITIONS; step++) {
      const transfer = await balanceLeadersOnce(map, control);
      if (!transfer) break;
      transfers++;
      expect(transfer.from).not.toBe(transfer.to);
      await waitFor(() => cluster.nodes.get(transfer.to)!.groupState(transfer.partition)?.role === 'leader', `node ${transfer.to} to lead partition ${transfer.partition}`);
    }
    const counts = leaderCounts(cluster.nodes);
    console.log(`leadership balancing: ${transfers} transfers, leaders per node ${counts.join('/')}`);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    // From 8/0/0 to 3/3/2: five transfers (fewer only if an election moved one on its own).
    expect(transfers).toBeGreaterThan(0);
    expect(transfers).toBeLessThanOrEqual(PARTITIONS - Math.ceil(PARTITIONS / 3));
  });
});
