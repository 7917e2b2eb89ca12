import type { StorageEngine } from '@shoal/storage';
import { openNxteditionEngine, type RocksDbEngineOptions } from './nxtedition-engine.js';

/**
 * Shoal's on-disk engine: RocksDB through `@nxtedition/rocksdb`, the binding chosen in
 * docs/decisions/0001-rocksdb-binding.md (the only candidate whose writes can be synced by
 * RocksDB itself; fastest point reads and scans). The WAL is on and `write(ops, { sync: true })`
 * fsyncs it before resolving.
 */
export function openRocksDbEngine(directory: string, options: RocksDbEngineOptions = {}): Promise<StorageEngine> {
  return openNxteditionEngine(directory, options);
}
