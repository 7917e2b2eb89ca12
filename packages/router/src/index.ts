export { Router, isStaleRange, type RouterOptions } from './router.js';
export { LocalReplica, type ReadMode, type ReplicaClient, type ReplicaDirectory } from './replica-client.js';
export { ClusterStore, mergeByKey } from './cluster-store.js';
export { leaderSetup, partitionKeyNames, type ClusterTables } from './leader-setup.js';
export { MetadataEngine } from './metadata-engine.js';
export { moveReplica, type MembershipControl, type ReplicaState } from './replica-moves.js';
export { readMap, writeMap, updateMap, followMap } from './map-store.js';
export { splitPartition, splitPoint, recoverSplits, type SplitControl, type SplitResult } from './partition-split.js';
export { SplitController, DYNAMODB_SPLIT_POLICY, type SplitPolicy } from './split-controller.js';
