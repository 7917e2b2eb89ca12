import type { Bytes, KeyRange } from './engine.js';

/** Unsigned lexicographic byte order, the order every engine sorts keys by. */
export function compareBytes(a: Bytes, b: Bytes): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const diff = (a[i] as number) - (b[i] as number);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

export function inRange(key: Bytes, range: KeyRange): boolean {
  if (range.gt && compareBytes(key, range.gt) <= 0) return false;
  if (range.gte && compareBytes(key, range.gte) < 0) return false;
  if (range.lt && compareBytes(key, range.lt) >= 0) return false;
  if (range.lte && compareBytes(key, range.lte) > 0) return false;
  return true;
}

/**
 * The rest of `range` after `last`, the last key read from it (before it, for a reverse range),
 * `read` entries having been read: how a scan resumes where it stopped.
 */
export function rangeAfter(range: KeyRange, last: Bytes, read = 0): KeyRange {
  const rest: KeyRange = { ...range };
  if (range.reverse) {
    delete rest.lte;
    rest.lt = last;
  } else {
    delete rest.gte;
    rest.gt = last;
  }
  if (range.limit !== undefined) rest.limit = Math.max(0, range.limit - read);
  return rest;
}
