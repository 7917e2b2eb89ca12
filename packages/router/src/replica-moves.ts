import type { Partition, PartitionMap } from '@shoal/placement';
import type { ConfigChange, Membership } from '@shoal/raft';
import type { Router } from './router.js';

/** A group's Raft state as one replica sees it. */
export interface ReplicaState {
  role: string;
  leader: number;
  term: number;
  commit: number;
  applied: number;
  membership: Membership;
}

/** What moving replicas needs of the storage nodes (in this process, or over the network). */
export interface MembershipControl {
  /** Opens `node`'s replica of `group`, starting from the group's founding membership. */
  openReplica(node: number, group: number, founders: Membership): Promise<void>;
  /** Deletes `node`'s replica of `group` (the group no longer counts it). */
  dropReplica(node: number, group: number): Promise<void>;
  /** Proposes a membership change at `node`, which must lead `group`; resolves once applied there. */
  changeMembership(node: number, group: number, change: ConfigChange): Promise<void>;
  transferLeadership(node: number, group: number, to: number): Promise<void>;
  state(node: number, group: number): Promise<ReplicaState | undefined>;
}

const POLL_MS = 5;
const STEP_DEADLINE_MS = 30_000;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The replica of `group` among `nodes` that leads it, with its state, polling until one does (or the deadline passes). */
export async function findLeader(control: MembershipControl, nodes: readonly number[], group: number, deadlineMs = Infinity): Promise<{ node: number; state: ReplicaState }> {
  for (const deadline = Date.now() + deadlineMs; ; ) {
    for (const node of nodes) {
      const state = await control.state(node, group);
      if (state?.role === 'leader') return { node, state };
    }
    if (Date.now() > deadline) throw new Error(`group ${group} has no leader among nodes ${nodes.join(', ')}`);
    await pause(POLL_MS);
  }
}

/**
 * Moves one replica of a partition from node `from` to node `to`, under load, by single-server
 * membership changes: `to` joins as a learner and catches up from the group's log, is promoted,
 * leadership leaves `from` if it has it, `from` is removed; then the router gets the new map and
 * `from` deletes its copy. Every step is idempotent (it checks the membership first), so a move
 * interrupted by a leader change is simply run again.
 */
export async function moveReplica(control: MembershipControl, router: Router, partition: Partition, from: number, to: number, nextMap: PartitionMap): Promise<void> {
  const group = partition.id;
  const founders: Membership = { voters: partition.founders ?? partition.replicas, learners: [] };
  const members = () => [...new Set([...partition.replicas, to])];
  if (!(await control.state(to, group))) await control.openReplica(to, group, founders);

  const leaderState = () => findLeader(control, members(), group);
  /** Runs a membership change at the leader unless `done` already holds; retries while the group is busy. */
  const change = async (done: (membership: Membership) => boolean, proposal: ConfigChange) => {
    const deadline = Date.now() + STEP_DEADLINE_MS;
    for (;;) {
      const { node, state } = await leaderState();
      if (done(state.membership)) return;
      try {
        await control.changeMembership(node, group, proposal);
      } catch (error) {
        // Not the leader any more, or a change still pending, or no entry of its term committed yet.
        if (Date.now() > deadline) throw error;
        await pause(POLL_MS);
      }
    }
  };

  await change((m) => m.learners.includes(to) || m.voters.includes(to), { kind: 'addLearner', node: to });
  // Caught up: the learner has applied what the leader had committed when asked.
  for (const deadline = Date.now() + STEP_DEADLINE_MS; ; ) {
    const { state } = await leaderState();
    const learner = await control.state(to, group);
    if (learner && learner.applied >= state.commit) break;
    if (Date.now() > deadline) throw new Error(`replica ${to} of partition ${group} did not catch up`);
    await pause(POLL_MS);
  }
  await change((m) => m.voters.includes(to), { kind: 'promote', node: to });
  for (;;) {
    const { node } = await leaderState();
    if (node !== from) break;
    await control.transferLeadership(from, group, to);
    await pause(POLL_MS);
  }
  await change((m) => !m.voters.includes(from) && !m.learners.includes(from), { kind: 'remove', node: from });
  router.setMap(nextMap);
  await control.dropReplica(from, group);
}
