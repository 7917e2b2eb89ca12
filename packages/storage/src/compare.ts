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
