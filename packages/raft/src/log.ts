import { assert } from '@shoal/base';
import type { Entry, Snapshot, SnapshotMeta } from './types.js';

/**
 * The replicated log as one Raft node sees it: a snapshot point, the entries after it, the
 * commit and apply positions, and how much of it the driver has persisted (`stabled`).
 * Invariant: snapshotIndex <= applied <= committed <= lastIndex, and stabled <= lastIndex.
 */
export class RaftLog {
  private entries: Entry[] = [];
  snapshotIndex = 0;
  snapshotTerm = 0;
  committed = 0;
  applied = 0;
  /** The last index handed to the driver for persistence. */
  stabled = 0;
  /** A snapshot received from the leader, not yet handed to the driver. */
  pendingSnapshot: Snapshot | undefined;

  constructor(snapshot: SnapshotMeta | undefined, entries: Entry[], committed: number) {
    if (snapshot) {
      this.snapshotIndex = snapshot.index;
      this.snapshotTerm = snapshot.term;
    }
    this.entries = entries.filter((entry) => entry.index > this.snapshotIndex);
    this.committed = Math.max(committed, this.snapshotIndex);
    this.applied = this.snapshotIndex;
    this.stabled = this.lastIndex();
  }

  lastIndex(): number {
    const last = this.entries[this.entries.length - 1];
    return last ? last.index : this.snapshotIndex;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) as number;
  }

  /** The term of the entry at `index`, or undefined if it is compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.lastIndex()) return undefined;
    return (this.entries[index - this.snapshotIndex - 1] as Entry).term;
  }

  /** Entries in [from, to], or undefined if `from` is compacted away. */
  slice(from: number, to: number, maxEntries: number): Entry[] | undefined {
    if (from <= this.snapshotIndex) return undefined;
    const end = Math.min(to, this.lastIndex(), from + maxEntries - 1);
    return this.entries.slice(from - this.snapshotIndex - 1, end - this.snapshotIndex);
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
    // In place: appending at the end (the common case) must not copy the whole log.
    this.entries.length = first - this.snapshotIndex - 1;
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
    return this.entries.slice(this.stabled - this.snapshotIndex);
  }

  nextCommittedEntries(): Entry[] {
    if (this.committed <= this.applied) return [];
    return this.entries.slice(this.applied - this.snapshotIndex, this.committed - this.snapshotIndex);
  }

  /** Discards entries up to `index` (the driver has a snapshot of the state machine there). */
  compact(index: number): void {
    assert(index <= this.applied, `compacting to ${index} beyond applied ${this.applied}`);
    if (index <= this.snapshotIndex) return;
    this.snapshotTerm = this.term(index) as number;
    this.entries = this.entries.slice(index - this.snapshotIndex);
    this.snapshotIndex = index;
  }

  /** Replaces the log with a leader's snapshot. */
  restore(snapshot: Snapshot): void {
    this.entries = [];
    this.snapshotIndex = snapshot.meta.index;
    this.snapshotTerm = snapshot.meta.term;
    this.committed = snapshot.meta.index;
    this.applied = snapshot.meta.index;
    this.stabled = snapshot.meta.index;
    this.pendingSnapshot = snapshot;
  }
}
