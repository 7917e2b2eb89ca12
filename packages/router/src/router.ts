import { isShoalError } from '@shoal/base';
import { partitionFor, tokenValue, type Partition, type PartitionMap } from '@shoal/placement';
import { NotLeaderError, ProposalDroppedError } from '@shoal/raft';
import type { KeyRange } from '@shoal/storage';

import type { ReplicaClient, ReplicaDirectory } from './replica-client.js';

export interface RouterOptions {
  /** The AZ this router runs in, and each node's: eventually consistent reads prefer a replica there. */
  localAz?: string;
  nodeAzs?: ReadonlyMap<number, string>;
  /** How long one request may keep looking for a leader (DynamoDB's SDKs time out after seconds). */
  deadlineMs?: number;
  /** Fetches the newest partition map, when a replica says this router's is stale (a split). */
  refreshMap?: () => Promise<PartitionMap | undefined>;
}

/** Item storage keys: ITEM_PREFIX | table (4) | token (8) | key; see @shoal/partition's item-key. */
const ITEM_PREFIX = 0x10;
const TOKEN_OFFSET = 5;
const TOKEN_END = TOKEN_OFFSET + 8;
const DEFAULT_DEADLINE_MS = 10_000;
const BACKOFF_FIRST_MS = 2;
const BACKOFF_MAX_MS = 100;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Errors after which the request certainly did not take effect, so it may go to another replica. */
function retryable(error: unknown): boolean {
  return error instanceof NotLeaderError || error instanceof ProposalDroppedError;
}

/** The partition no longer serves the request's keys: it had no effect; retry on a newer map. */
export function isStaleRange(error: unknown): boolean {
  return isShoalError(error) && error.code === 'StaleRange';
}

/**
 * Sends each request to the leader of the partition that owns its token: the leader of each
 * group is cached, a follower's answer names the leader it knows, and a request that found no
 * leader retries with backoff until its deadline. Only errors that prove the request had no
 * effect are retried; an ambiguous outcome is the caller's to report.
 */
export class Router {
  private readonly leaders = new Map<number, number>();
  private readonly deadlineMs: number;
  private readonly localAz: string | undefined;
  private readonly nodeAzs: ReadonlyMap<number, string> | undefined;
  private byId: Map<number, Partition>;
  private readonly fetchMap: (() => Promise<PartitionMap | undefined>) | undefined;
  private refreshing: Promise<void> | undefined;
  /** Writes routed per partition since the last `takeWriteCounts`, while counting is on. */
  private writeCounts: Map<number, number> | undefined;

  constructor(
    private current: PartitionMap,
    private readonly directory: ReplicaDirectory,
    options: RouterOptions = {},
  ) {
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.localAz = options.localAz;
    this.nodeAzs = options.nodeAzs;
    this.fetchMap = options.refreshMap;
    this.byId = new Map(current.partitions.map((partition) => [partition.id, partition]));
  }

  /** The newest partition map this router knows. */
  get map(): PartitionMap {
    return this.current;
  }

  /** The partition that owns an item's storage key. */
  partitionOfItem(storageKey: Uint8Array): Partition {
    return partitionFor(this.map, tokenValue(storageKey.subarray(TOKEN_OFFSET, TOKEN_END)));
  }

  /**
   * The partitions that may hold keys of `range`, in token order: for a range of items, those
   * whose tokens it spans; for anything else (index entries), all of them.
   */
  partitionsFor(range: KeyRange): Partition[] {
    const lower = range.gte ?? range.gt;
    if (!lower || lower[0] !== ITEM_PREFIX || lower.length < TOKEN_OFFSET) return this.map.partitions;
    const low = lower.length >= TOKEN_END ? tokenValue(lower.subarray(TOKEN_OFFSET, TOKEN_END)) : 0n;
    const upper = range.lt ?? range.lte;
    const sameTable = upper !== undefined && upper.length >= TOKEN_END && upper.subarray(0, TOKEN_OFFSET).every((byte, i) => byte === lower[i]);
    const high = sameTable ? tokenValue(upper.subarray(TOKEN_OFFSET, TOKEN_END)) : (1n << 64n) - 1n;
    return this.map.partitions.filter((partition) => partition.start <= high && partition.end > low);
  }

  /**
   * Runs a read on the replica of `group` in this router's AZ (`nearby`, any role), falling back
   * to the leader (`onLeader`) when there is none or it cannot be reached.
   */
  async withNearest<T>(group: number, nearby: (replica: ReplicaClient) => Promise<T>, onLeader: (replica: ReplicaClient) => Promise<T>): Promise<T> {
    const local = this.localAz;
    const node = local ? this.byId.get(group)?.replicas.find((replica) => this.nodeAzs?.get(replica) === local) : undefined;
    const replica = node !== undefined ? this.directory.replica(node, group) : undefined;
    if (replica) {
      try {
        return await nearby(replica);
      } catch (error) {
        if (!retryable(error)) throw error;
      }
    }
    return this.withLeader(group, undefined, onLeader);
  }

  /** Moves to a newer partition map (replicas moved, partitions split); requests in flight follow it. */
  setMap(map: PartitionMap): void {
    if (map.version <= this.current.version) return;
    this.current = map;
    this.byId = new Map(map.partitions.map((partition) => [partition.id, partition]));
  }

  /** Starts counting the writes routed to each partition (the load a split controller watches). */
  countWrites(): void {
    this.writeCounts ??= new Map();
  }

  noteWrite(partition: number): void {
    this.writeCounts?.set(partition, (this.writeCounts.get(partition) ?? 0) + 1);
  }

  /** The writes per partition since the last call. */
  takeWriteCounts(): Map<number, number> {
    const counts = this.writeCounts ?? new Map<number, number>();
    if (this.writeCounts) this.writeCounts = new Map();
    return counts;
  }

  /** Fetches the newest map (one fetch at a time; a failed fetch leaves the map as it was). */
  refreshMap(): Promise<void> {
    const fetchMap = this.fetchMap;
    if (!fetchMap) return Promise.resolve();
    this.refreshing ??= fetchMap()
      .then((map) => {
        if (map) this.setMap(map);
      })
      .catch(() => {})
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /**
   * Runs `attempt` (which looks its partitions up in the current map) until no replica answers
   * that the map is stale, refreshing the map in between, until the deadline.
   */
  async routed<T>(attempt: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.deadlineMs;
    for (let backoff = BACKOFF_FIRST_MS; ; backoff = Math.min(backoff * 2, BACKOFF_MAX_MS)) {
      try {
        return await attempt();
      } catch (error) {
        if (!isStaleRange(error) || Date.now() >= deadline) throw error;
        await this.refreshMap();
        await pause(backoff);
      }
    }
  }

  /**
   * Runs `action` on the leader of `group`, finding it as needed. `members` gives the group's
   * replicas (a partition's are looked up in the current map at each attempt, so a request that
   * outlives a replica move follows it).
   */
  async withLeader<T>(group: number, members: readonly number[] | undefined, action: (replica: ReplicaClient) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.deadlineMs;
    const replicasNow = () => members ?? this.byId.get(group)?.replicas ?? [];
    let candidate = this.leaders.get(group) ?? (replicasNow()[0] as number);
    let backoff = BACKOFF_FIRST_MS;
    for (let attempt = 1; ; attempt++) {
      const replicas = replicasNow();
      try {
        const replica = this.directory.replica(candidate, group);
        if (!replica) throw new NotLeaderError(0);
        const result = await action(replica);
        this.leaders.set(group, candidate);
        return result;
      } catch (error) {
        if (!retryable(error) || Date.now() >= deadline) throw error;
        const hint = error instanceof NotLeaderError ? error.leader : 0;
        // A hint may name a replica the map does not list yet (one being moved in).
        const next = hint !== 0 && hint !== candidate ? hint : (replicas[(replicas.indexOf(candidate) + 1) % replicas.length] as number);
        this.leaders.delete(group);
        // Asking every replica in turn costs nothing; waiting is for when none knows a leader.
        if (hint === 0 || hint === candidate || attempt % replicas.length === 0) {
          await pause(backoff);
          backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
        }
        candidate = next;
      }
    }
  }
}
