export type { WriteCommand, WriteOutcome, ReturnValue, Rejection } from './commands.js';
export { applyWrite } from './apply.js';
export { itemStorageKey, tableKeyRange, tablePrefix, extractKey, itemCollectionPrefix, prefixEnd, concatBytes, segmentKeyRange, tokenSegmentRange, ITEM_PREFIX } from './item-key.js';
export { checkKey, checkItemKey } from './key-validation.js';
export { PartitionStore, ITEM_COLLECTION_BYTES_MAX, storageKeyName, type DurableWriter, type ItemStore, type TableHandle, writeWhenAccepted } from './partition-store.js';
export { indexEntryKey, indexKeyRange, indexCollectionPrefix, projectForIndex, indexWrites, INDEX_PREFIX, type IndexHandle } from './index-entries.js';
export { CHANGE_PREFIX, changeKey, decodeChangeRecord, type ChangeRecord } from './change-log.js';
export { TABLE_NOT_YET_KNOWN, type TableResolver } from './global-index-maintainer.js';
export { encodeItem, decodeItem, StoredItem, type StoredEntry } from './stored-item.js';
