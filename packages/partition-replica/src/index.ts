export { PartitionReplica, encodeWrite, APPLIED_PREFIX, type ReplicatedWrite } from './partition-replica.js';
