/**
 * The 64-bit ring token of a partition key: MurmurHash3 (x86, 32-bit) of the key's encoding
 * under two seeds, concatenated big-endian. Murmur3 is used for spread and speed (a few hundred
 * nanoseconds in JS, against ~2 µs for a crypto hash through node:crypto); it is stable across
 * platforms and versions, which a token must be because tokens are stored in keys on disk.
 */
const SEED_HIGH = 0x5bd1e995;
const SEED_LOW = 0x1b873593;

export function partitionToken(partitionKeyBytes: Uint8Array): Uint8Array {
  // From Node's pool, not a `new Uint8Array(8)`: reading a small typed array's `.buffer` (a
  // DataView over it, as the router does) makes V8 move it off its heap, a malloc each time.
  const token = Buffer.allocUnsafe(8);
  token.writeUInt32BE(murmur3(partitionKeyBytes, SEED_HIGH), 0);
  token.writeUInt32BE(murmur3(partitionKeyBytes, SEED_LOW), 4);
  return token;
}

/** MurmurHash3_x86_32 (Austin Appleby, public domain algorithm). */
export function murmur3(bytes: Uint8Array, seed: number): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = bytes.length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = bytes.length & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= (bytes[blocks + 2] as number) << 16;
    if (tail >= 2) k ^= (bytes[blocks + 1] as number) << 8;
    k ^= bytes[blocks] as number;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
