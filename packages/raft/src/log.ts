import { assert } from '@shoal/base';
import type { Entry, Snapshot, SnapshotMeta, StableEntries } from './types.js';

/**
 * The replicated log as one Raft node sees it: a snapshot point, the entries after it, the
 * commit and apply positions, and how much of it the driver has persisted (`stabled`).
 * Invariant: snapshotIndex <= applied <= committed <= lastIndex, and stabled <= lastIndex.
 *
 * With a `StableEntries` reader, entries that are both applied and persisted may leave memory
 * (`release`); the few reads of them (a lagging follower's appends, a term check) go to the
 * driver's disk. Otherwise every entry after the snapshot stays in memory.
 */
export class RaftLog {
  /** The entries in memory: indexes firstInMemory .. lastIndex. */
  private entries: Entry[] = [];
  private firstInMemory: number;
  snapshotIndex = 0;
  snapshotTerm = 0;
  committed = 0;
  applied = 0;
  /** The last index handed to the driver for persistence. */
  stabled = 0;
  /** A snapshot received from the leader, not yet handed to the driver. */
  pendingSnapshot: Snapshot | undefined;

  constructor(
    snapshot: SnapshotMeta | undefined,
    entries: Entry[],
    committed: number,
    private readonly stable?: StableEntries,
  ) {
    if (snapshot) {
      this.snapshotIndex = snapshot.index;
      this.snapshotTerm = snapshot.term;
    }
    this.entries = entries.filter((entry) => entry.index > this.snapshotIndex);
    this.firstInMemory = this.entries[0]?.index ?? this.snapshotIndex + 1;
    assert(this.firstInMemory === this.snapshotIndex + 1 || stable !== undefined, `entries from ${this.firstInMemory} on, after a snapshot at ${this.snapshotIndex}, and no reader for those between`);
    this.committed = Math.max(committed, this.snapshotIndex);
    this.applied = this.snapshotIndex;
    this.stabled = this.lastIndex();
  }

  /** The index of the first entry held in memory. */
  get firstIndexInMemory(): number {
    return this.firstInMemory;
  }

  /** Entries held in memory (the rest of the log after the snapshot is on the driver's disk). */
  get entriesInMemory(): number {
    return this.entries.length;
  }

  lastIndex(): number {
    return this.firstInMemory + this.entries.length - 1;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) as number;
  }

  /** The term of the entry at `index`, or undefined if it is compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.lastIndex()) return undefined;
    if (index < this.firstInMemory) return (this.stable as StableEntries).entry(index).term;
    return (this.entries[index - this.firstInMemory] as Entry).term;
  }

  /** Entries in [from, to], or undefined if `from` is compacted away. */
  slice(from: number, to: number, maxEntries: number): Entry[] | undefined {
    if (from <= this.snapshotIndex) return undefined;
    const end = Math.min(to, this.lastIndex(), from + maxEntries - 1);
    if (from < this.firstInMemory) {
      const released: Entry[] = [];
      for (let index = from; index <= Math.min(end, this.firstInMemory - 1); index++) released.push((this.stable as StableEntries).entry(index));
      return end < this.firstInMemory ? released : released.concat(this.entries.slice(0, end - this.firstInMemory + 1));
    }
    return this.entries.slice(from - this.firstInMemory, end - this.firstInMemory + 1);
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Whether a log ending at (lastTerm, lastIndex) is at least as up to date as ours (§5.4.1). */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    return lastTerm > this.lastTerm() || (lastTerm === this.lastTerm() && lastIndex >= this.lastIndex());
  }

  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = (entries[0] as Entry).index;
    assert(first > this.committed, `appending at ${first} would overwrite committed entry ${this.committed}`);
    assert(first <= this.lastIndex() + 1, `gap in the log: appending ${first} after ${this.lastIndex()}`);
    assert(first >= this.firstInMemory, `appending at ${first} below the entries in memory (${this.firstInMemory})`);
    // In place: appending at the end (the common case) must not copy the whole log.
    this.entries.length = first - this.firstInMemory;
    for (const entry of entries) this.entries.push(entry);
    this.stabled = Math.min(this.stabled, first - 1);
  }

  /**
   * Appends a leader's entries after (prevIndex, prevTerm) if they match there (§5.3): skips
   * entries already present, truncates at the first conflict. Returns the new last index, or
   * undefined when the log does not contain prevIndex with prevTerm.
   */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, entries: Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    const conflict = entries.findIndex((entry) => entry.index > this.snapshotIndex && !this.matchTerm(entry.index, entry.term));
    if (conflict !== -1) this.append(entries.slice(conflict));
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  commitTo(index: number): void {
    if (index > this.committed) {
      assert(index <= this.lastIndex(), `commit ${index} beyond the last index ${this.lastIndex()}`);
      this.committed = index;
    }
  }

  unstableEntries(): Entry[] {
    if (this.stabled >= this.lastIndex()) return [];
    return this.entries.slice(this.stabled + 1 - this.firstInMemory);
  }

  nextCommittedEntries(): Entry[] {
    if (this.committed <= this.applied) return [];
    return this.entries.slice(this.applied + 1 - this.firstInMemory, this.committed + 1 - this.firstInMemory);
  }

  /**
   * Lets entries up to `index` leave memory, if the log has a `StableEntries` reader: only
   * entries below both the applied and the persisted position, and never the last applied one
   * (its term is what proposals and lease reads check, every time).
   */
  release(index: number): void {
    if (!this.stable) return;
    const upTo = Math.min(index, this.applied - 1, this.stabled);
    if (upTo < this.firstInMemory) return;
    this.entries = this.entries.slice(upTo + 1 - this.firstInMemory);
    this.firstInMemory = upTo + 1;
  }

  /** Discards entries up to `index` (the driver has a snapshot of the state machine there). */
  compact(index: number): void {
    assert(index <= this.applied, `compacting to ${index} beyond applied ${this.applied}`);
    if (index <= this.snapshotIndex) return;
    this.snapshotTerm = this.term(index) as number;
    if (index >= this.firstInMemory) {
      this.entries = this.entries.slice(index + 1 - this.firstInMemory);
      this.firstInMemory = index + 1;
    }
    this.snapshotIndex = index;
  }

  /** Replaces the log with a leader's snapshot. */
  restore(snapshot: Snapshot): void {
    this.entries = [];
    this.firstInMemory = snapshot.meta.index + 1;
    this.snapshotIndex = snapshot.meta.index;
    this.snapshotTerm = snapshot.meta.term;
    this.committed = snapshot.meta.index;
    this.applied = snapshot.meta.index;
    this.stabled = snapshot.meta.index;
    this.pendingSnapshot = snapshot;
  }
}
