export { StorageNode, METADATA_GROUP, type StorageNodeOptions } from './storage-node.js';
