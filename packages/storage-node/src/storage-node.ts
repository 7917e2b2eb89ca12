import type { Random } from '@shoal/base';
import { PartitionLeadership, ReplicatedKeyspace, type LeadershipOptions } from '@shoal/partition-replica';
import type { PartitionMap } from '@shoal/placement';
import { RaftHost, type Transport } from '@shoal/raft-host';
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
  leadership?: LeadershipOptions;
  tickMs?: number;
  random?: Random;
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
  ) {}

  static async start(options: StorageNodeOptions): Promise<StorageNode> {
    const host = new RaftHost({
      node: options.id,
      engine: options.engine,
      transport: options.transport,
      // Disk-backed keyspaces cannot be snapshotted yet, so their logs are never compacted.
      snapshotEvery: Infinity,
      ...(options.tickMs !== undefined ? { tickMs: options.tickMs } : {}),
      ...(options.random ? { random: options.random } : {}),
    });
    const replicas = new Map<number, PartitionLeadership>();
    const machines = new Map<number, ReplicatedKeyspace>();
    const allNodes = new Set(options.map.partitions.flatMap((partition) => partition.replicas));
    const metadataLearners = [...allNodes].filter((node) => !options.metadataVoters.includes(node)).sort((a, b) => a - b);
    // Every node keeps a copy of the metadata (as a voter or a learner): its partitions' leaders read table definitions from it.
    const groups: { group: number; voters: number[]; learners: number[] }[] = [{ group: METADATA_GROUP, voters: options.metadataVoters, learners: metadataLearners }];
    for (const partition of options.map.partitions) {
      if (partition.replicas.includes(options.id)) groups.push({ group: partition.id, voters: partition.replicas, learners: [] });
    }
    for (const { group, voters, learners } of groups) {
      const machine = await ReplicatedKeyspace.open(options.engine, group);
      await host.addGroup(group, { voters, learners }, machine);
      machines.set(group, machine);
      replicas.set(group, new PartitionLeadership(host, group, machine.keyspace, group === METADATA_GROUP ? {} : (options.leadership ?? {})));
    }
    return new StorageNode(options.id, options.region, options.az, host, options.engine, replicas, machines);
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
    return { node: this.id, region: this.region, az: this.az, groups };
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
