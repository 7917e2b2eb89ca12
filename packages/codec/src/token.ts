import { createHash } from 'node:crypto';

/**
 * The 64-bit ring token of a partition key: the first 8 bytes of the MD5 of its key encoding,
 * as an unsigned big-endian integer. MD5 is used for spread, not security; it is stable across
 * platforms and versions, which a token must be because tokens are stored in keys on disk.
 */
export function partitionToken(partitionKeyBytes: Uint8Array): Uint8Array {
  return createHash('md5').update(partitionKeyBytes).digest().subarray(0, 8);
}
