import type { Membership, ConfigChange } from '@shoal/raft';
import type { MembershipControl, ReplicaState } from '@shoal/router';
import type { StorageNode } from './storage-node.js';

/** Membership control of storage nodes in this process (the embedded cluster, tests). */
export class LocalMembershipControl implements MembershipControl {
  constructor(private readonly nodes: ReadonlyMap<number, StorageNode>) {}

  private node(id: number): StorageNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`no storage node ${id} in this process`);
    return node;
  }

  async openReplica(node: number, group: number, founders: Membership): Promise<void> {
    await this.node(node).joinGroup(group, founders);
  }

  async dropReplica(node: number, group: number): Promise<void> {
    await this.node(node).dropReplica(group);
  }

  async changeMembership(node: number, group: number, change: ConfigChange): Promise<void> {
    await this.node(node).changeMembership(group, change);
  }

  async transferLeadership(node: number, group: number, to: number): Promise<void> {
    this.node(node).transferLeadership(group, to);
  }

  async state(node: number, group: number): Promise<ReplicaState | undefined> {
    return this.nodes.get(node)?.groupState(group);
  }
}
