export { ReplicaServer, SCAN_PAGE_ENTRIES_MAX, type ReplicaLookup } from './replica-server.js';
export { GrpcReplicaDirectory } from './grpc-directory.js';
export { ReplicaUnreachableError } from './errors.js';
