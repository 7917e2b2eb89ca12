import { join } from 'node:path';
import { JournaledEngine, type StorageEngine } from '@shoal/storage';
import { openJournalFile } from './journal-file.js';
import { openNxteditionEngine, type RocksDbEngineOptions } from './nxtedition-engine.js';

/** The journal's file, beside RocksDB's own (RocksDB leaves files it does not know alone). */
export const JOURNAL_FILE_NAME = 'shoal-journal';

export interface OnDiskEngineOptions extends RocksDbEngineOptions {
  /** Journal bytes per lap; the default suits a server, tests make it small to wrap often. */
  journalLapBytes?: number;
}

/**
 * Shoal's on-disk engine: RocksDB through `@nxtedition/rocksdb`, the binding chosen in
 * docs/decisions/0001-rocksdb-binding.md, behind Shoal's write-ahead journal (decision 0013):
 * `write(ops, { sync: true })` resolves once the batch is fdatasynced in the journal, a file
 * written over in place, and written to RocksDB.
 */
export async function openRocksDbEngine(directory: string, options: OnDiskEngineOptions = {}): Promise<StorageEngine> {
  const engine = await openNxteditionEngine(directory, options);
  try {
    return await JournaledEngine.open(engine, openJournalFile(join(directory, JOURNAL_FILE_NAME)), { lapBytes: options.journalLapBytes });
  } catch (error) {
    await engine.close();
    throw error;
  }
}
