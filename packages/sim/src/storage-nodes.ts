import type { SeededRandom } from '@shoal/base';
import type { Entry, HardState, Membership, Message, NodeId, ReadState } from '@shoal/raft';
import { decodeCommand, RangeKvMachine, type RangeCommand, type RangeOutput } from './range-kv-machine.js';
import { StateMachineSafety } from './sim-checks.js';
import { bootReplica, driveReplica, finishSync, splitVote, type Disk, type SimReplica } from './sim-replica.js';
import { SimWorld } from './sim-world.js';

/**
 * The simulated storage nodes of the routed cluster: each node hosts one Raft replica per
 * partition it holds (group id = partition id), each with its own disk, all on the one network.
 * A crash takes down every replica on the node and loses what none of them had synced; a
 * restart boots each replica the node's disk holds.
 */
export type GroupId = number;
export type ClusterReplica = SimReplica<RangeKvMachine>;

export interface GroupMessage {
  group: GroupId;
  message: Message;
}

/** A replica's disk, with what it was created from (the log replays on top of it). */
interface ReplicaDisk extends Disk {
  membership: Membership;
  genesis: Uint8Array;
}

/** What the simulation hears from the nodes. */
export interface NodeEvents {
  /** An entry was applied (`command` undefined: a leader's no-op or a configuration change). */
  applied(node: NodeId, group: GroupId, index: number, command: RangeCommand | undefined, output: RangeOutput | undefined): void;
  readState(node: NodeId, group: GroupId, state: ReadState): void;
  /** The replica of `group` on `node` (every replica of the node, if no group) is gone: its requests fail. */
  lost(node: NodeId, group?: GroupId): void;
}

export interface StorageNodesOptions {
  seed: number;
  random: SeededRandom;
  nodeIds: readonly NodeId[];
  maxDown: number;
  preVote: boolean;
  checkQuorum: boolean;
  events: NodeEvents;
}

export class StorageNodes {
  readonly world: SimWorld<GroupMessage>;
  readonly safety = new StateMachineSafety();
  private readonly disks = new Map<NodeId, Map<GroupId, ReplicaDisk>>();
  /** The replicas of the nodes that are up. */
  private readonly live = new Map<NodeId, Map<GroupId, ClusterReplica>>();
  /**
   * Destroyed replicas' last term and vote (a tombstone). A replica created again on the node
   * starts from them, so that it can never vote twice in a term its predecessor voted in (etcd
   * gets the same by giving a re-added member a new id).
   */
  private readonly tombstones = new Map<string, HardState>();
  private readonly genesis = new Map<GroupId, Uint8Array>();
  private requestIds = 0;

  constructor(private readonly options: StorageNodesOptions) {
    this.world = new SimWorld<GroupMessage>(options.random, options.nodeIds, options.maxDown, (id) => this.crashed(id));
    for (const id of options.nodeIds) {
      this.disks.set(id, new Map());
      this.live.set(id, new Map());
    }
  }

  /** A new group (a partition) starts from `machine` on every replica; its replicas are then created one by one. */
  defineGroup(group: GroupId, machine: RangeKvMachine): void {
    this.genesis.set(group, machine.snapshot());
  }

  /**
   * Creates the replica of `group` on `node` (the coordinator's RPC to the node), starting from
   * the group's genesis state and `membership`. False while the node is down; a no-op when it
   * already hosts the group, so that the coordinator can retry.
   */
  create(node: NodeId, group: GroupId, membership: Membership): boolean {
    if (this.world.down.has(node)) return false;
    const disks = this.disks.get(node) as Map<GroupId, ReplicaDisk>;
    if (disks.has(group)) return true;
    const tombstone = this.tombstones.get(`${node}:${group}`);
    const disk: ReplicaDisk = { entries: [], membership, genesis: this.genesis.get(group) as Uint8Array, ...(tombstone ? { hardState: tombstone } : {}) };
    disks.set(group, disk);
    (this.live.get(node) as Map<GroupId, ClusterReplica>).set(group, this.boot(node, group, disk));
    return true;
  }

  /** Deletes a removed replica and its data (up or down: a node drops replicas the map no longer gives it). */
  destroy(node: NodeId, group: GroupId): void {
    const disk = this.disks.get(node)?.get(group);
    if (!disk) return;
    this.tombstones.set(`${node}:${group}`, { term: disk.hardState?.term ?? 0, vote: disk.hardState?.vote ?? 0, commit: 0 });
    this.disks.get(node)?.delete(group);
    this.live.get(node)?.delete(group);
    this.options.events.lost(node, group);
  }

  /** The replica of `group` on `node`, if the node is up and hosts it. */
  replica(node: NodeId, group: GroupId): ClusterReplica | undefined {
    return this.world.down.has(node) ? undefined : this.live.get(node)?.get(group);
  }

  /** Whether `node` holds `group` on disk (up or down). */
  hosts(node: NodeId, group: GroupId): boolean {
    return this.disks.get(node)?.has(group) ?? false;
  }

  /** Every group some node holds. */
  groups(): GroupId[] {
    const groups = new Set<GroupId>();
    for (const disks of this.disks.values()) for (const group of disks.keys()) groups.add(group);
    return [...groups].sort((a, b) => a - b);
  }

  /** The replicas of `group` on nodes that are up. */
  replicasOf(group: GroupId): { node: NodeId; replica: ClusterReplica }[] {
    return this.options.nodeIds.flatMap((node) => {
      const replica = this.replica(node, group);
      return replica ? [{ node, replica }] : [];
    });
  }

  /** The leader a coordinator would reach: of the replicas that think they lead, the one with the highest term. */
  leaderOf(group: GroupId): { node: NodeId; replica: ClusterReplica } | undefined {
    const leaders = this.replicasOf(group).filter(({ replica }) => replica.raft.role === 'leader');
    return leaders.sort((a, b) => b.replica.raft.term - a.replica.raft.term)[0];
  }

  /** Nodes leading some group: the nemesis aims at them. */
  leaderNodes(): NodeId[] {
    return this.options.nodeIds.filter((node) => !this.world.down.has(node) && [...(this.live.get(node) as Map<GroupId, ClusterReplica>).values()].some((replica) => replica.raft.role === 'leader'));
  }

  nextRequestId(): number {
    return ++this.requestIds;
  }

  /** One step of the nodes: restarts, deliveries, ticks and syncs. */
  step(): void {
    for (const node of this.world.restarts()) this.restart(node);
    this.world.deliver((to, { group, message }) => this.live.get(to)?.get(group)?.raft.step(structuredClone(message)));
    for (const [node, replicas] of this.live) {
      if (this.world.down.has(node)) continue;
      for (const [group, replica] of replicas) {
        if (this.world.down.has(node)) break; // a buggified crash of one replica takes the whole node
        driveReplica(replica, this.world.now, () => this.world.diskLatency(node), () => this.finish(node, group, replica), (message) => this.world.send(message.from, message.to, { group, message }));
      }
    }
  }

  /** Buggify: two replicas of one group time out at once (split votes). */
  splitVote(random: SeededRandom): void {
    const groups = this.groups();
    if (groups.length === 0) return;
    const group = groups[random.int(groups.length)] as GroupId;
    splitVote(random, this.replicasOf(group).map(({ replica }) => replica.raft));
  }

  private boot(node: NodeId, group: GroupId, disk: ReplicaDisk): ClusterReplica {
    const now = this.world.now;
    return bootReplica({
      id: node,
      disk,
      membership: disk.membership,
      now,
      raftSeed: this.options.seed * 31 + node + now + group * 1009,
      random: this.options.random,
      preVote: this.options.preVote,
      checkQuorum: this.options.checkQuorum,
      restore: (data) => RangeKvMachine.restore(data),
      empty: () => RangeKvMachine.restore(disk.genesis),
    });
  }

  private restart(node: NodeId): void {
    const replicas = new Map<GroupId, ClusterReplica>();
    for (const [group, disk] of this.disks.get(node) as Map<GroupId, ReplicaDisk>) replicas.set(group, this.boot(node, group, disk));
    this.live.set(node, replicas);
  }

  private crashed(node: NodeId): void {
    for (const replica of (this.live.get(node) as Map<GroupId, ClusterReplica>).values()) replica.syncing = undefined;
    this.options.events.lost(node);
  }

  private finish(node: NodeId, group: GroupId, replica: ClusterReplica): void {
    finishSync(replica, this.disks.get(node)?.get(group) as ReplicaDisk, {
      restore: (data) => RangeKvMachine.restore(data),
      apply: (entry) => this.apply(node, group, replica, entry),
      send: (message) => this.world.send(message.from, message.to, { group, message }),
      readState: (state) => this.options.events.readState(node, group, state),
      buggify: (moment) => this.world.buggify(node, moment),
    });
  }

  private apply(node: NodeId, group: GroupId, replica: ClusterReplica, entry: Entry): void {
    this.safety.applied(node, entry.index, entry.term, group);
    const command = entry.type === 'normal' && entry.data ? decodeCommand(entry.data) : undefined;
    this.options.events.applied(node, group, entry.index, command, command && replica.machine.apply(command));
  }
}
