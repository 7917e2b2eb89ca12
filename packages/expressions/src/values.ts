import { compareNumbers, utf8Length, type AttributeValue, type Item } from '@shoal/model';
import type { Path } from './ast.js';

/**
 * Value semantics shared by conditions, updates and projections: path lookup, DynamoDB's
 * ordering (S by UTF-8 bytes, N as decimals, B by bytes), deep equality with sets compared as
 * sets, and size().
 */

/** The value at a document path, or undefined when any step is missing or of the wrong kind. */
export function valueAtPath(item: Item | undefined, path: Path): AttributeValue | undefined {
  if (!item) return undefined;
  let current: AttributeValue | undefined = item[path[0] as string];
  for (let i = 1; i < path.length && current !== undefined; i++) {
    const step = path[i] as string | number;
    if (typeof step === 'number') current = 'L' in current ? current.L[step] : undefined;
    else current = 'M' in current && Object.hasOwn(current.M, step) ? current.M[step] : undefined;
  }
  return current;
}

/** Orders two strings by the bytes of their UTF-8 encodings (= by code points). */
export function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    // A surrogate encodes a code point above U+FFFF: above every other UTF-16 unit.
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

export function compareBinary(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'base64'), Buffer.from(b, 'base64'));
}

/** Ordering of two scalar values of the same type (S, N or B); undefined when not comparable. */
export function compareValues(a: AttributeValue, b: AttributeValue): number | undefined {
  if ('S' in a && 'S' in b) return compareUtf8(a.S, b.S);
  if ('N' in a && 'N' in b) return compareNumbers(a.N, b.N);
  if ('B' in a && 'B' in b) return compareBinary(a.B, b.B);
  return undefined;
}

export function valuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  if ('S' in a) return 'S' in b && a.S === b.S;
  if ('N' in a) return 'N' in b && compareNumbers(a.N, b.N) === 0;
  if ('B' in a) return 'B' in b && compareBinary(a.B, b.B) === 0;
  if ('BOOL' in a) return 'BOOL' in b && a.BOOL === b.BOOL;
  if ('NULL' in a) return 'NULL' in b;
  if ('SS' in a) return 'SS' in b && sameSet(a.SS, b.SS, (x, y) => x === y);
  if ('NS' in a) return 'NS' in b && sameSet(a.NS, b.NS, (x, y) => compareNumbers(x, y) === 0);
  if ('BS' in a) return 'BS' in b && sameSet(a.BS, b.BS, (x, y) => compareBinary(x, y) === 0);
  if ('L' in a) return 'L' in b && a.L.length === b.L.length && a.L.every((element, i) => valuesEqual(element, b.L[i] as AttributeValue));
  if (!('M' in b)) return false;
  const keys = Object.keys(a.M);
  if (keys.length !== Object.keys(b.M).length) return false;
  return keys.every((key) => Object.hasOwn(b.M, key) && valuesEqual(a.M[key] as AttributeValue, b.M[key] as AttributeValue));
}

function sameSet(a: string[], b: string[], equal: (x: string, y: string) => boolean): boolean {
  return a.length === b.length && a.every((x) => b.some((y) => equal(x, y)));
}

/** size(): string length in bytes, binary length, number of elements; undefined otherwise. */
export function sizeOf(value: AttributeValue): number | undefined {
  if ('S' in value) return utf8Length(value.S);
  if ('B' in value) return Buffer.from(value.B, 'base64').length;
  if ('SS' in value) return value.SS.length;
  if ('NS' in value) return value.NS.length;
  if ('BS' in value) return value.BS.length;
  if ('L' in value) return value.L.length;
  if ('M' in value) return Object.keys(value.M).length;
  return undefined;
}

/** Whether `container` contains `element`: substring, set member or list element. */
export function contains(container: AttributeValue, element: AttributeValue): boolean {
  if ('S' in container) return 'S' in element && container.S.includes(element.S);
  if ('B' in container) return 'B' in element && Buffer.from(container.B, 'base64').includes(Buffer.from(element.B, 'base64'));
  if ('SS' in container) return 'S' in element && container.SS.includes(element.S);
  if ('NS' in container) return 'N' in element && container.NS.some((n) => compareNumbers(n, element.N) === 0);
  if ('BS' in container) return 'B' in element && container.BS.some((b) => compareBinary(b, element.B) === 0);
  if ('L' in container) return container.L.some((member) => valuesEqual(member, element));
  return false;
}

export function beginsWith(value: AttributeValue, prefix: AttributeValue): boolean {
  if ('S' in value && 'S' in prefix) return value.S.startsWith(prefix.S);
  if ('B' in value && 'B' in prefix) {
    const bytes = Buffer.from(value.B, 'base64');
    const start = Buffer.from(prefix.B, 'base64');
    return bytes.length >= start.length && bytes.subarray(0, start.length).equals(start);
  }
  return false;
}
