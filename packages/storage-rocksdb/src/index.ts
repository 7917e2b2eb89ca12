export { openRocksDbEngine } from './rocksdb-engine.js';
export { openNxteditionEngine, type RocksDbEngineOptions } from './nxtedition-engine.js';
export { openRocksDbNativeEngine } from './native-engine.js';
