export * from './types.js';
export { RaftNode, NotLeaderError, ProposalDroppedError, type RaftConfig } from './raft-node.js';
export { RaftLog } from './log.js';
export { Progress, quorumMatch } from './progress.js';
export { malformedMessage } from './message-check.js';
