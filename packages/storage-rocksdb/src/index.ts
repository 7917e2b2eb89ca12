export { openRocksDbEngine, type RocksDbEngineOptions } from './rocksdb-engine.js';
