export { ReplicaServer, SCAN_PAGE_ENTRIES_MAX, MEMBERSHIP_OPERATIONS, type ReplicaLookup, type MembershipHandler } from './replica-server.js';
export { GrpcReplicaDirectory, GrpcMembershipControl } from './grpc-directory.js';
export { ReplicaUnreachableError } from './errors.js';
