export { Router, type ReplicaDirectory, type RouterOptions } from './router.js';
export { ClusterStore, leaderSetup, mergeByKey, type ClusterTables } from './cluster-store.js';
export { MetadataEngine } from './metadata-engine.js';
