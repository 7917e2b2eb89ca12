export { TOKEN_SPACE_END, tokenValue, partitionFor, replicaCounts, checkMap, type StorageNode, type Partition, type PartitionMap, type ReplicaMove } from './partition-map.js';
export { initialMap, addNode, removeNode, splitPartition } from './placement.js';
export { layoutToJson, layoutFromJson, metadataVotersOf, type ClusterLayout } from './map-file.js';
