export { ReplicatedKeyspace, SnapshotTooLargeError, keyspaceOf, KEYSPACE_PREFIX } from './replicated-keyspace.js';
export { ProposalWriter } from './proposal-writer.js';
export { PartitionLeadership, type LeadershipOptions, type ScanView } from './partition-leadership.js';
export { RANGE_KEY, TOKEN_SPACE_END, StaleRangeError, encodeRange, decodeRange, ownerToken, itemKeyToken, contains, type RangeDescriptor, type TokenRange, type PartitionKeyOf } from './key-range.js';
export { encodeOps, decodeOps } from './ops-codec.js';
