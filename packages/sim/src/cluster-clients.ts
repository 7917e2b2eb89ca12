import type { SeededRandom } from '@shoal/base';
import type { KvInput } from '@shoal/linearizability';
import { NotLeaderError, ProposalDroppedError, type NodeId, type ReadState } from '@shoal/raft';
import { KEYS, partitionOf, tokenOf, type ClusterMap } from './cluster-map.js';
import { encodeCommand, WRONG_RANGE, type RangeCommand, type RangeOutput } from './range-kv-machine.js';
import type { ClientHistory } from './sim-checks.js';
import type { GroupId, StorageNodes } from './storage-nodes.js';

/**
 * The routed cluster's clients: each sends its requests through one of a few routers, and each
 * router routes by its own cached copy of the partition map, refreshed only when a replica
 * answers `wrongRange` (or names no replica of the partition) and now and then, so stale maps
 * are the rule. Requests go to the router's leader hint for the partition or to one of its
 * replicas; NotLeader and dropped proposals are retried, wrongRange after the map refresh.
 * Every attempt that definitely had no effect is left out of the history; a write whose outcome
 * never arrived stays in it as unknown.
 */
const CLIENTS = 16;
/** Routers (gateways) of two clients each: a router refreshes its map for both, the others stay stale. */
const ROUTERS = 8;
const CLIENT_TIMEOUT_STEPS = 1500;

interface Router {
  map: ClusterMap;
  /** A refresh from the authoritative map is on its way (it takes a simulated round trip). */
  refreshAt?: number;
  nextPeriodicRefresh: number;
  leaderHints: Map<GroupId, NodeId>;
}

interface Client {
  id: number;
  router: Router;
  /** The operation the client is trying to get done, until it completes, times out or its outcome is unknown. */
  want?: { input: KvInput; deadline: number };
  retryAt: number;
  busy: boolean;
}

interface PendingWrite {
  client: Client;
  op: number;
  node: NodeId;
  group: GroupId;
  index: number;
  history: number;
  deadline: number;
}

interface PendingRead {
  client: Client;
  node: NodeId;
  group: GroupId;
  requestId: number;
  key: string;
  call: number;
  readIndex?: number;
  deadline: number;
  /** The partition the published map gave the key to when the read began. */
  owner: GroupId;
}

export class ClusterClients {
  private readonly routers: Router[];
  private readonly clients: Client[];
  private pendingWrites: PendingWrite[] = [];
  private pendingReads: PendingRead[] = [];
  private nextOp = 1;
  /** The first read a replica served for a key its partition did not own when the read began. */
  ownershipViolation: string | undefined;
  /** Requests routed by a map older than the published one (so stale maps really were exercised). */
  staleRoutes = 0;

  constructor(
    private readonly random: SeededRandom,
    private readonly nodes: StorageNodes,
    /** The authoritative map (in the real cluster, the metadata group's). */
    private readonly published: () => ClusterMap,
    private readonly history: ClientHistory,
  ) {
    this.routers = Array.from({ length: ROUTERS }, () => ({ map: published(), nextPeriodicRefresh: 1000 + random.int(2000), leaderHints: new Map() }));
    this.clients = Array.from({ length: CLIENTS }, (_, i) => ({ id: i + 1, router: this.routers[i % ROUTERS] as Router, retryAt: 0, busy: false }));
  }


  /** An entry was applied: it answers the write proposed at its index there, if any. */
  applied(node: NodeId, group: GroupId, index: number, command: RangeCommand | undefined, output: RangeOutput | undefined): void {
    const op = command?.kind === 'kv' ? command.op : undefined;
    if (op !== undefined && output !== undefined && output !== WRONG_RANGE) this.history.applied(op, output);
    const position = this.pendingWrites.findIndex((write) => write.node === node && write.group === group && write.index === index);
    if (position === -1) return;
    const write = this.pendingWrites[position] as PendingWrite;
    this.pendingWrites.splice(position, 1);
    write.client.busy = false;
    if (write.op !== op || output === undefined) {
      // Another entry took the index: ours was overwritten and never took effect. Try again.
      this.history.discard(write.history);
    } else if (output === WRONG_RANGE) {
      this.history.discard(write.history);
      this.wrongRange(write.client);
    } else {
      this.history.complete(write.history, output, this.nodes.world.now);
      write.client.want = undefined;
    }
  }

  readState(node: NodeId, group: GroupId, state: ReadState): void {
    const read = this.pendingReads.find((candidate) => candidate.node === node && candidate.group === group && candidate.requestId === state.requestId);
    if (read) read.readIndex = state.index;
  }

  /** A replica crashed or was destroyed: reads waiting on it had no effect, writes have an unknown outcome. */
  lost(node: NodeId, group?: GroupId): void {
    const gone = (request: { node: NodeId; group: GroupId }) => request.node === node && (group === undefined || request.group === group);
    for (const request of [...this.pendingReads, ...this.pendingWrites].filter(gone)) request.client.busy = false;
    for (const write of this.pendingWrites.filter(gone)) write.client.want = undefined;
    this.pendingReads = this.pendingReads.filter((read) => !gone(read));
    this.pendingWrites = this.pendingWrites.filter((write) => !gone(write));
  }

  /** One step: map refreshes, answers and timeouts, and (under load) new attempts. */
  step(withLoad: boolean): void {
    const now = this.nodes.world.now;
    for (const router of this.routers) {
      if ((router.refreshAt !== undefined && now >= router.refreshAt) || now >= router.nextPeriodicRefresh) {
        router.map = this.published();
        router.refreshAt = undefined;
        router.nextPeriodicRefresh = now + 1000 + this.random.int(2000);
      }
    }
    this.answerReads();
    this.timeOutWrites();
    if (withLoad) for (const client of this.clients) this.act(client);
  }

  private act(client: Client): void {
    const now = this.nodes.world.now;
    if (client.busy) return;
    if (!client.want) {
      if (!this.random.chance(0.05)) return;
      client.want = { input: this.randomInput(), deadline: now + CLIENT_TIMEOUT_STEPS };
      client.retryAt = now;
    }
    if (now > client.want.deadline) client.want = undefined; // every attempt failed without effect: give up
    else if (now >= client.retryAt) this.attempt(client, client.want.input);
  }

  /** Gets, puts and compare-and-sets, as in the single-group simulation; every value written is unique. */
  private randomInput(): KvInput {
    const key = KEYS[this.random.int(KEYS.length)] as string;
    const kind = this.random.int(10);
    const written = this.nextOp++;
    if (kind < 4) return { op: 'get', key };
    if (kind < 8) return { op: 'put', key, value: `v${written}` };
    return { op: 'cas', key, expected: this.random.chance(0.5) ? undefined : `v${this.random.int(written)}`, value: `v${written}` };
  }

  /** Routes the request by the router's map to its leader hint or a replica of the partition. */
  private attempt(client: Client, input: KvInput): void {
    const now = this.nodes.world.now;
    const { router } = client;
    const partition = partitionOf(router.map, tokenOf(input.key));
    if (router.map.version < this.published().version) this.staleRoutes++;
    const node = router.leaderHints.get(partition.id) ?? (partition.replicas[this.random.int(partition.replicas.length)] as NodeId);
    const replica = this.nodes.replica(node, partition.id);
    if (!replica) {
      router.leaderHints.delete(partition.id);
      // An up node without the partition means the map moved on.
      if (!this.nodes.world.down.has(node)) this.refreshSoon(router);
      client.retryAt = now + 10 + this.random.int(20);
      return;
    }
    try {
      if (input.op === 'get') {
        const requestId = this.nodes.nextRequestId();
        // Half the reads try the leader's lease first (no message round), the rest use ReadIndex.
        const leaseIndex = this.random.chance(0.5) ? replica.raft.leaseRead() : undefined;
        if (leaseIndex === undefined) replica.raft.readIndex(requestId);
        const owner = partitionOf(this.published(), tokenOf(input.key)).id;
        this.pendingReads.push({ client, node, group: partition.id, requestId, key: input.key, call: now, ...(leaseIndex !== undefined ? { readIndex: leaseIndex } : {}), deadline: now + CLIENT_TIMEOUT_STEPS, owner });
      } else {
        const op = this.nextOp++;
        const index = replica.raft.propose(encodeCommand({ kind: 'kv', client: client.id, op, input }));
        this.pendingWrites.push({ client, op, node, group: partition.id, index, history: this.history.callWrite(client.id, op, input, now), deadline: now + CLIENT_TIMEOUT_STEPS });
      }
      client.busy = true;
    } catch (error) {
      client.retryAt = now + 1 + this.random.int(20);
      if (error instanceof ProposalDroppedError) return; // refused (a transfer in progress): try later
      if (!(error instanceof NotLeaderError)) throw error;
      if (error.leader !== 0) router.leaderHints.set(partition.id, error.leader);
      else router.leaderHints.delete(partition.id);
    }
  }

  /** The replica refused the key: refresh the router's map (after a round trip), then retry. */
  private wrongRange(client: Client): void {
    this.refreshSoon(client.router);
    client.retryAt = (client.router.refreshAt as number) + 1;
  }

  private refreshSoon(router: Router): void {
    router.refreshAt ??= this.nodes.world.now + 20 + this.random.int(80);
  }

  /** Reads complete once their replica has applied up to the read index, if it still serves the key. */
  private answerReads(): void {
    const now = this.nodes.world.now;
    this.pendingReads = this.pendingReads.filter((read) => {
      const replica = this.nodes.replica(read.node, read.group);
      if (replica && read.readIndex !== undefined && replica.applied >= read.readIndex) {
        read.client.busy = false;
        if (!replica.machine.serves(read.key, false)) this.wrongRange(read.client);
        else {
          if (read.group !== read.owner) this.ownershipViolation ??= `ownership: partition ${read.group} served a read of ${read.key} (token ${tokenOf(read.key)}) at step ${now}, but when the read began at step ${read.call} the map gave that token to partition ${read.owner}`;
          this.history.read(read.client.id, read.key, read.call, now, replica.machine.read(read.key));
          read.client.want = undefined;
        }
        return false;
      }
      if (now <= read.deadline) return true;
      read.client.busy = false; // a read that never answered had no effect
      read.client.want = undefined;
      return false;
    });
  }

  private timeOutWrites(): void {
    const now = this.nodes.world.now;
    this.pendingWrites = this.pendingWrites.filter((write) => {
      if (now <= write.deadline) return true;
      write.client.busy = false; // outcome unknown: it stays in the history with return = Infinity
      write.client.want = undefined;
      return false;
    });
  }
}
