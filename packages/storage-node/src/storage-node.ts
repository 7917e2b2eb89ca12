import type { Random } from '@shoal/base';
import { keyspaceOf, PartitionLeadership, ReplicatedKeyspace, type LeadershipOptions } from '@shoal/partition-replica';
import type { PartitionMap } from '@shoal/placement';
import { deleteRange, groupRange, RaftHost, type RoundScheduler, type Transport } from '@shoal/raft-host';
import type { ConfigChange, Membership } from '@shoal/raft';
import type { StorageEngine } from '@shoal/storage';

export interface GroupStatus {
  group: number;
  role: string;
  leader: number;
  term: number;
  commit: number;
  applied: number;
}

export interface NodeStatus {
  node: number;
  region: string;
  az: string;
  groups: GroupStatus[];
  /** Since the process started: logs compacted, and snapshots read for peers and installed from leaders. */
  snapshots: { compactions: number; taken: number; installed: number; failures: number };
}

/** The Raft group of the cluster's metadata (table definitions); partition p is group p (ids from 1). */
export const METADATA_GROUP = 0;

export interface StorageNodeOptions {
  id: number;
  region: string;
  az: string;
  /** The node's one storage engine: every replica's keyspace and every group's Raft log. */
  engine: StorageEngine;
  transport: Transport;
  /** The partitions to host: those of the map with a replica on this node. */
  map: PartitionMap;
  /** Voting members of the metadata group; every other node of the map holds a learner replica. */
  metadataVoters: number[];
  /** Learners of the metadata group (default: every other node the map places a replica on). */
  metadataLearners?: number[];
  leadership?: LeadershipOptions;
  tickMs?: number;
  /** Applied entries between compactions of a group's log (default: the host's). */
  snapshotEvery?: number;
  random?: Random;
  /** Shared by the nodes of one process: their Raft rounds start together (see RoundScheduler). */
  rounds?: RoundScheduler;
}

/**
 * A storage node: one multi-Raft host over one storage engine, hosting a replica of each
 * partition placed on it (and of the metadata group, on the nodes chosen for it). A replica
 * serves reads and writes only while it leads its group; the router finds the leader.
 */
export class StorageNode {
  private constructor(
    readonly id: number,
    readonly region: string,
    readonly az: string,
    readonly host: RaftHost,
    private readonly engine: StorageEngine,
    private readonly replicas: Map<number, PartitionLeadership>,
    private readonly machines: Map<number, ReplicatedKeyspace>,
    private readonly leadership: LeadershipOptions,
  ) {}

  /**
   * Opens this node's replica of `group`, which starts as `founders` and follows the membership
   * changes in the group's log (a replica being added catches up by replaying the log: the logs
   * of disk-backed keyspaces are not compacted yet).
   */
  async openReplica(group: number, founders: Membership): Promise<void> {
    const machine = await ReplicatedKeyspace.open(this.engine, group);
    await this.host.addGroup(group, founders, machine);
    this.machines.set(group, machine);
    this.replicas.set(group, new PartitionLeadership(this.host, group, machine, group === METADATA_GROUP ? {} : this.leadership));
  }

  /**
   * Opens a replica this node is to join (a move or a split), deleting whatever an earlier
   * replica of the group left here (a split undone after a restart reuses its child's id).
   */
  async joinGroup(group: number, founders: Membership): Promise<void> {
    if (this.machines.has(group)) return;
    await deleteRange(this.engine, groupRange(group));
    await deleteRange(this.engine, keyspaceOf(this.engine, group).outerRange());
    await this.openReplica(group, founders);
  }

  /** Drops this node's replica of `group` (once the group has removed it): its log and its data. */
  async dropReplica(group: number): Promise<void> {
    const machine = this.machines.get(group);
    if (!machine) return;
    this.replicas.delete(group);
    this.machines.delete(group);
    await this.host.removeGroup(group);
    await deleteRange(this.engine, machine.keyspace.outerRange());
  }

  static async start(options: StorageNodeOptions): Promise<StorageNode> {
    const host = new RaftHost({
      node: options.id,
      engine: options.engine,
      transport: options.transport,
      ...(options.snapshotEvery !== undefined ? { snapshotEvery: options.snapshotEvery } : {}),
      ...(options.tickMs !== undefined ? { tickMs: options.tickMs } : {}),
      ...(options.random ? { random: options.random } : {}),
      ...(options.rounds ? { rounds: options.rounds } : {}),
    });
    const replicas = new Map<number, PartitionLeadership>();
    const machines = new Map<number, ReplicatedKeyspace>();
    const allNodes = new Set(options.map.partitions.flatMap((partition) => partition.replicas));
    const metadataLearners = options.metadataLearners ?? [...allNodes].filter((node) => !options.metadataVoters.includes(node)).sort((a, b) => a - b);
    // Every node keeps a copy of the metadata (as a voter or a learner): its partitions' leaders read table definitions from it.
    const groups: { group: number; voters: number[]; learners: number[] }[] = [{ group: METADATA_GROUP, voters: options.metadataVoters, learners: metadataLearners }];
    for (const partition of options.map.partitions) {
      // A replica starts from the group's founding membership (or its snapshot's) and replays the changes in its log.
      if (partition.replicas.includes(options.id)) groups.push({ group: partition.id, voters: partition.founders ?? partition.replicas, learners: [] });
    }
    const node = new StorageNode(options.id, options.region, options.az, host, options.engine, replicas, machines, options.leadership ?? {});
    for (const { group, voters, learners } of groups) await node.openReplica(group, { voters, learners });
    return node;
  }

  /** This node's replica of a group, if it hosts one. */
  replica(group: number): PartitionLeadership | undefined {
    return this.replicas.get(group);
  }

  /** Every replica's Raft state, for operators and tests. */
  status(): NodeStatus {
    const groups = [...this.replicas.keys()].sort((a, b) => a - b).map((group) => {
      const raft = this.host.raft(group);
      return { group, role: raft.role, leader: raft.leader, term: raft.term, commit: raft.log.committed, applied: raft.log.applied };
    });
    const { compactions, snapshotsTaken: taken, snapshotsInstalled: installed, snapshotFailures: failures } = this.host.stats;
    return { node: this.id, region: this.region, az: this.az, groups, snapshots: { compactions, taken, installed, failures } };
  }

  /** This node's view of a group's Raft state, or undefined when it hosts no replica of it. */
  groupState(group: number): (GroupStatus & { membership: Membership }) | undefined {
    if (!this.replicas.has(group)) return undefined;
    const raft = this.host.raft(group);
    return { group, role: raft.role, leader: raft.leader, term: raft.term, commit: raft.log.committed, applied: raft.log.applied, membership: raft.membership };
  }

  /** Proposes a membership change of a group this node leads; resolves once applied here. */
  async changeMembership(group: number, change: ConfigChange): Promise<void> {
    await this.host.proposeConfigChange(group, change);
  }

  transferLeadership(group: number, to: number): void {
    this.host.raft(group).transferLeadership(to);
  }

  /** The state machine of this node's replica of a group (its keyspace and applied index). */
  machine(group: number): ReplicatedKeyspace | undefined {
    return this.machines.get(group);
  }

  async close(): Promise<void> {
    await this.host.close();
    await this.engine.close();
  }
}
