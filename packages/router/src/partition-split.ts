import { assert } from '@shoal/base';
import { encodeRange, ownerToken, RANGE_KEY, decodeRange, type PartitionKeyOf, type RangeDescriptor } from '@shoal/partition-replica';
import { splitPartition as splitInMap, type Partition, type PartitionMap } from '@shoal/placement';
import type { WriteOp } from '@shoal/storage';
import type { ReplicaClient } from './replica-client.js';
import { findLeader, type MembershipControl } from './replica-moves.js';
import type { Router } from './router.js';

/** What splitting a partition needs besides the router. */
export interface SplitControl {
  membership: MembershipControl;
  /**
   * Stores `change(current map)` where routers and restarted nodes find it (the metadata group,
   * the layout file), unless `change` throws (the map moved on); resolves with the map stored.
   */
  publish(change: (current: PartitionMap) => PartitionMap): Promise<PartitionMap>;
  /** Table partition key names: which partition an index entry belongs to is its item's token. */
  partitionKeyOf: PartitionKeyOf;
}

export interface SplitResult {
  parent: Partition;
  child: Partition;
  /** Records (items and index entries) copied to the child. */
  copied: number;
  map: PartitionMap;
}

/** Items and index entries: the records a partition owns by token (see @shoal/partition's key formats). */
const OWNED_RECORDS = { gte: Uint8Array.of(0x10), lt: Uint8Array.of(0x12) };
const ITEMS = { gte: Uint8Array.of(0x10), lt: Uint8Array.of(0x11) };
const CHANGE_RECORDS = { gte: Uint8Array.of(0x30), lt: Uint8Array.of(0x31) };
const CHANGES_DEADLINE_MS = 30_000;
const CHANGES_POLL_MS = 5;
const LEADER_DEADLINE_MS = 10_000;
/** Operations per proposal while copying or deleting a half (a few hundred KB at most). */
const OPS_PER_PROPOSAL = 256;

/**
 * Splits partition `partitionId` at token `at` (default: the median token of its items) into
 * itself below `at` and a new partition above it, on the same replicas, under load:
 *
 * 1. freeze: through the parent's log, its range descriptor marks the upper half read-only; the
 *    leader's store is fenced, so no write evaluated before the freeze can land after it, and
 *    the writes to the upper half that follow are refused (the router retries them);
 * 2. the child group is created on the parent's voters; the upper half (items, and index entries
 *    by their item's token), read from the parent's leader once every earlier write is applied
 *    and global index maintenance has caught up, is proposed to the child with its descriptor,
 *    so the child's log holds all of its state (a replica moved to it later replays it);
 * 3. the parent's range shrinks to the lower half: from here it refuses the upper half (routers
 *    on the old map are told to refresh, and retry until the map is published);
 * 4. the new map is published: routers on it send the upper half to the child;
 * 5. the parent's copy of the upper half is deleted and its store rebuilt (statistics recounted).
 *
 * No item is lost (the copy is taken after the freeze and its writes) or duplicated (a replica
 * in the middle of a split returns only the records of the range the router asks for), and
 * only one partition serves a token at any time (the deterministic simulation of the routed
 * cluster, packages/sim, catches the order that publishes first: a stale read).
 */
export async function splitPartition(router: Router, control: SplitControl, partitionId: number, at?: bigint): Promise<SplitResult> {
  const parent = router.map.partitions.find((partition) => partition.id === partitionId);
  if (!parent) throw new Error(`no partition ${partitionId} in map version ${router.map.version}`);
  const splitAt = at ?? (await medianToken(router, parent));
  if (splitAt === undefined) throw new Error(`partition ${partitionId} has no split point: its items share one token`);
  assert(parent.start < splitAt && splitAt < parent.end, `split point ${splitAt} is not inside partition ${partitionId}`);
  const childId = Math.max(...router.map.partitions.map((partition) => partition.id)) + 1;
  const onParent = <T>(action: (replica: ReplicaClient) => Promise<T>) => router.withLeader(parent.id, undefined, action);

  await setRange(onParent, { start: parent.start, end: parent.end, frozenFrom: splitAt });
  await onParent((replica) => replica.open());
  await changesApplied(onParent, control.partitionKeyOf, splitAt);

  // The voters of the parent's group, as its leader knows them.
  const { state } = await findLeader(control.membership, parent.replicas, parent.id, LEADER_DEADLINE_MS);
  const voters = [...state.membership.voters].sort((a, b) => a - b);
  const next = splitInMap(router.map, parent.id, splitAt, childId);
  const child = next.partitions.find((partition) => partition.id === childId) as Partition;
  assert(sameNodes(child.replicas, voters), `partition ${parent.id}'s voters ${voters} differ from its replicas in the map ${child.replicas}`);
  for (const node of voters) {
    if (!(await control.membership.state(node, childId))) await control.membership.openReplica(node, childId, { voters, learners: [] });
  }
  const onChild = (ops: WriteOp[]) => router.withLeader(childId, voters, (replica) => replica.proposeWrites(ops));
  await onChild([{ type: 'put', key: RANGE_KEY, value: encodeRange({ start: splitAt, end: parent.end }) }]);
  const copied = await forUpperHalf(onParent, control.partitionKeyOf, splitAt, (key, value) => ({ type: 'put', key, value }), onChild);

  // The parent stops serving the upper half before any router may send it to the child: a router
  // on the old map reading the parent after a write through the new map would read the past.
  await setRange(onParent, { start: parent.start, end: splitAt, frozenFrom: splitAt });
  let published: PartitionMap;
  try {
    published = await control.publish((current) => {
      const now = current.partitions.find((partition) => partition.id === parent.id);
      if (!now || now.start !== parent.start || now.end !== parent.end || !sameNodes(now.replicas, voters)) throw new Error(`partition ${parent.id} changed while it was being split`);
      return splitInMap(current, parent.id, splitAt, childId);
    });
  } catch (error) {
    // Not published: the parent takes its whole range back (its copy of the upper half is intact).
    await setRange(onParent, { start: parent.start, end: parent.end });
    throw error;
  }
  router.setMap(published);
  await dropUpperHalf(onParent, control.partitionKeyOf, { start: parent.start, end: splitAt });
  return { parent: published.partitions.find((partition) => partition.id === parent.id) as Partition, child, copied, map: published };
}

/**
 * Waits until the parent's global index maintenance has applied every change record of the
 * upper half (frozen, so no new ones come), so that the copy carries their index entries.
 */
async function changesApplied(onParent: OnLeader, partitionKeyOf: PartitionKeyOf, splitAt: bigint): Promise<void> {
  for (const deadline = Date.now() + CHANGES_DEADLINE_MS; ; ) {
    const records = await onParent((replica) => replica.openKeyspaceScan(CHANGE_RECORDS));
    let pending = 0;
    for await (const [key, value] of records) if ((ownerToken(key, value, partitionKeyOf) ?? -1n) >= splitAt) pending++;
    if (pending === 0) return;
    if (Date.now() > deadline) throw new Error(`${pending} change records of the upper half are still unapplied`);
    await new Promise((resolve) => setTimeout(resolve, CHANGES_POLL_MS));
  }
}

/** The parent's last step, once the map is published: its copy of the upper half goes, and its range stops filtering. */
async function dropUpperHalf(onParent: OnLeader, partitionKeyOf: PartitionKeyOf, range: { start: bigint; end: bigint }): Promise<void> {
  await setRange(onParent, { ...range, frozenFrom: range.end });
  await forUpperHalf(onParent, partitionKeyOf, range.end, (key) => ({ type: 'del', key }), (ops) => onParent((replica) => replica.proposeWrites(ops)));
  await setRange(onParent, range);
  await onParent((replica) => replica.open());
}

/**
 * Completes or undoes the splits a stopped coordinator left behind, from each partition's range
 * descriptor against the map: a split never published is undone (the parent still holds the
 * whole upper half, and its child, in no map, has served nothing; the child's id is reused
 * cleanly); one published is finished. Returns what it did, for the log.
 */
export async function recoverSplits(router: Router, partitionKeyOf: PartitionKeyOf): Promise<string[]> {
  const done: string[] = [];
  for (const partition of router.map.partitions) {
    const onParent: OnLeader = (action) => router.withLeader(partition.id, undefined, action);
    const [bytes] = await onParent((replica) => replica.keyspaceGetMany([RANGE_KEY]));
    if (!bytes) continue;
    const range = decodeRange(bytes);
    if (range.end === partition.end && range.frozenFrom !== undefined && range.frozenFrom >= range.end) {
      await dropUpperHalf(onParent, partitionKeyOf, { start: partition.start, end: partition.end });
      done.push(`finished the split of partition ${partition.id} at token ${partition.end}`);
    } else if (range.frozenFrom !== undefined || range.end !== partition.end) {
      await setRange(onParent, { start: partition.start, end: partition.end });
      done.push(`undid the unpublished split of partition ${partition.id} at token ${range.frozenFrom ?? range.end}`);
    }
  }
  return done;
}

type OnLeader = <T>(action: (replica: ReplicaClient) => Promise<T>) => Promise<T>;

/** Proposes the parent's new range descriptor, unless its log already has it (a resumed split). */
async function setRange(onParent: OnLeader, range: RangeDescriptor): Promise<void> {
  const [current] = await onParent((replica) => replica.keyspaceGetMany([RANGE_KEY]));
  if (current) {
    const now = decodeRange(current);
    if (now.start === range.start && now.end === range.end && now.frozenFrom === range.frozenFrom) return;
  }
  await onParent((replica) => replica.proposeWrites([{ type: 'put', key: RANGE_KEY, value: encodeRange(range) }]));
}

/** Runs `propose` over batches of `op` of every record of the parent at or above `splitAt`; returns how many. */
async function forUpperHalf(
  onParent: OnLeader,
  partitionKeyOf: PartitionKeyOf,
  splitAt: bigint,
  op: (key: Uint8Array, value: Uint8Array) => WriteOp,
  propose: (ops: WriteOp[]) => Promise<void>,
): Promise<number> {
  const records = await onParent((replica) => replica.openKeyspaceScan(OWNED_RECORDS));
  let batch: WriteOp[] = [];
  let count = 0;
  for await (const [key, value] of records) {
    const token = ownerToken(key, value, partitionKeyOf);
    if (token === undefined || token < splitAt) continue;
    batch.push(op(key, value));
    count++;
    if (batch.length === OPS_PER_PROPOSAL) {
      await propose(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await propose(batch);
  return count;
}

/** The token that splits a partition's items in two halves of about equal count, if any does. */
async function medianToken(router: Router, partition: Partition): Promise<bigint | undefined> {
  const tokens: bigint[] = [];
  const items = await router.withLeader(partition.id, undefined, (replica) => replica.openKeyspaceScan(ITEMS));
  for await (const [key] of items) tokens.push(new DataView(key.buffer, key.byteOffset, key.byteLength).getBigUint64(5));
  return splitPoint(tokens, partition);
}

/**
 * The split point of a partition holding items at `tokens` (any order): the median token, moved
 * up past the partition's first token so that neither half is empty; undefined when every item
 * has the same token.
 */
export function splitPoint(tokens: bigint[], partition: { start: bigint; end: bigint }): bigint | undefined {
  const inside = tokens.filter((token) => token >= partition.start && token < partition.end).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (inside.length === 0) return partition.start + (partition.end - partition.start) / 2n;
  const lowest = inside[0] as bigint;
  const median = inside[inside.length >> 1] as bigint;
  if (median > lowest) return median;
  return inside.find((token) => token > lowest);
}

function sameNodes(a: readonly number[], b: readonly number[]): boolean {
  const sorted = [...b].sort((x, y) => x - y);
  return a.length === b.length && [...a].sort((x, y) => x - y).every((node, i) => node === sorted[i]);
}
