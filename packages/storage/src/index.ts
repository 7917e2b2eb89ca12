export { canReadSync, canIterateText, type TextIterableEngine, type Bytes, type WriteOp, type KeyRange, type WriteOptions, type StorageEngine, type SyncReadableEngine, type SyncWritableEngine } from './engine.js';
export { compareBytes, inRange, rangeAfter } from './compare.js';
export { MemoryEngine } from './memory-engine.js';
export { GroupCommitWriter, GroupCommitQueueFull, GROUP_COMMIT_OPS_MAX, GROUP_COMMIT_QUEUE_OPS_MAX, type GroupCommitOptions } from './group-commit.js';
export { PrefixedEngine, prefixEnd } from './prefixed-engine.js';
export { SharedEngine } from './shared-engine.js';
export { JournaledEngine, JournalGapError, RESERVED_KEYS_FROM, JOURNAL_LAP_BYTES_DEFAULT, type JournalFile, type JournalOptions, type JournalableEngine } from './journal/journaled-engine.js';
export { decodeRun, encodeRecord, recordBytes, type JournalRecord } from './journal/journal-records.js';
