export { canReadSync, type Bytes, type WriteOp, type KeyRange, type WriteOptions, type StorageEngine, type SyncReadableEngine } from './engine.js';
export { compareBytes, inRange } from './compare.js';
export { MemoryEngine } from './memory-engine.js';
export { GroupCommitWriter, GROUP_COMMIT_OPS_MAX } from './group-commit.js';
