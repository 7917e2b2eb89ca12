export { openRocksDbEngine, JOURNAL_FILE_NAME, type OnDiskEngineOptions } from './rocksdb-engine.js';
export { openNxteditionEngine, RocksDbNotOpenError, type RocksDbEngineOptions } from './nxtedition-engine.js';
export { openJournalFile } from './journal-file.js';
export { openRocksDbNativeEngine } from './native-engine.js';
