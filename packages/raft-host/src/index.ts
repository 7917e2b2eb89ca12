export { RaftHost, HostClosedError, LeadershipLostError, ProposalOutcomeUnknownError, type HostOptions, type StateMachine } from './host.js';
export { GroupLog, RAFT_PREFIX, deleteRange, groupRange, type PersistedGroup } from './log-store.js';
export { InMemoryNetwork, type Transport, type GroupMessage, type BatchHandler } from './transport.js';
export { encodeEntry, decodeEntry, encodeHardState, decodeHardState, encodeSnapshot, decodeSnapshot } from './record-codec.js';
export { RegisterMachine } from './register-machine.js';
export { GrpcTransport, type GrpcTransportOptions } from './grpc-transport.js';
export { messageToWire, messageFromWire, batchToWire, batchFromWire } from './wire.js';
export { FOLLOW_UP_PASSES, RoundScheduler, type ScheduledRound } from './round-scheduler.js';
export { GroupSnapshots, SNAPSHOT_BYTES_MAX, type SnapshotStats } from './group-snapshots.js';
