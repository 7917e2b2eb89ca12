export { TOKEN_SPACE_END, tokenValue, partitionFor, replicaCounts, checkMap, type StorageNode, type Partition, type PartitionMap, type ReplicaMove } from './partition-map.js';
export { initialMap, addNode, removeNode, splitPartition, applyMove } from './placement.js';
export { layoutToJson, layoutFromJson, mapToJson, mapFromJson, metadataVotersOf, type ClusterLayout } from './map-file.js';
