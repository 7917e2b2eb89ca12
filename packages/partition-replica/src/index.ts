export { ReplicatedKeyspace, keyspaceOf, KEYSPACE_PREFIX } from './replicated-keyspace.js';
export { ProposalWriter } from './proposal-writer.js';
export { PartitionLeadership, type LeadershipOptions } from './partition-leadership.js';
export { encodeOps, decodeOps } from './ops-codec.js';
