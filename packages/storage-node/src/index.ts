export { StorageNode, METADATA_GROUP, type StorageNodeOptions, type NodeStatus, type GroupStatus } from './storage-node.js';
export { NodeCatalog } from './node-catalog.js';
export { LocalMembershipControl } from './local-control.js';
export { startLocalCluster, type LocalCluster, type LocalClusterOptions } from './local-cluster.js';
