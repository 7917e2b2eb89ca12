import { base64Length, type AttributeValue, type Item, utf8Length } from './attribute-value.js';

/**
 * Item size as DynamoDB counts it for the 400 KB limit and for capacity units: attribute names in
 * UTF-8 bytes plus each value's size. Numbers take about one byte per two significant digits plus
 * one; maps and lists carry 3 bytes of overhead plus 1 byte per element; NULL and BOOL take 1.
 */
export function itemSizeBytes(item: Item): number {
  let size = 0;
  for (const name in item) size += utf8Length(name) + valueSizeBytes(item[name] as AttributeValue);
  return size;
}

export function valueSizeBytes(value: AttributeValue): number {
  if ('S' in value) return utf8Length(value.S);
  if ('N' in value) return numberSizeBytes(value.N);
  if ('B' in value) return base64Length(value.B);
  if ('BOOL' in value || 'NULL' in value) return 1;
  if ('SS' in value) return value.SS.reduce((sum, s) => sum + utf8Length(s), 0);
  if ('NS' in value) return value.NS.reduce((sum, n) => sum + numberSizeBytes(n), 0);
  if ('BS' in value) return value.BS.reduce((sum, b) => sum + base64Length(b), 0);
  if ('L' in value) return value.L.reduce((sum, v) => sum + 1 + valueSizeBytes(v), 3);
  let size = 3;
  for (const name in value.M) {
    size += 1 + utf8Length(name) + valueSizeBytes(value.M[name] as AttributeValue);
  }
  return size;
}

/** Bytes of a normalised number: 1 + ceil(significant digits / 2), at least 1 for zero. */
export function numberSizeBytes(normalised: string): number {
  let digits = 0;
  let leading = true;
  let trailingZeros = 0;
  for (let i = 0; i < normalised.length; i++) {
    const c = normalised.charCodeAt(i);
    if (c < 48 || c > 57) continue; // '-' and '.'
    if (leading && c === 48) continue;
    leading = false;
    digits++;
    trailingZeros = c === 48 ? trailingZeros + 1 : 0;
  }
  const significant = digits - trailingZeros;
  if (significant === 0) return 1;
  return 1 + Math.ceil(significant / 2) + (normalised.startsWith('-') ? 1 : 0);
}
