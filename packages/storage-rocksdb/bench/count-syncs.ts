/**
 * Proof that synced writes reach the disk: run under strace and count the sync system calls.
 *   strace -f -c -e trace=fsync,fdatasync,sync_file_range node --import tsx \
 *     packages/storage-rocksdb/bench/count-syncs.ts <journaled|nxtedition|native> <synced writes>
 * Expect about one fdatasync per synced write (plus a handful from open and close). `journaled`
 * is `openRocksDbEngine`, the server's engine: its fdatasyncs are of the journal file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openNxteditionEngine, openRocksDbEngine, openRocksDbNativeEngine } from '@shoal/storage-rocksdb';

const [engineName = 'nxtedition', countArgument = '200', syncArgument = 'sync'] = process.argv.slice(2);
const directory = mkdtempSync(join(tmpdir(), 'shoal-count-syncs-'));
const engine =
  engineName === 'native' ? await openRocksDbNativeEngine(directory) : engineName === 'journaled' ? await openRocksDbEngine(directory) : await openNxteditionEngine(directory);
for (let i = 0; i < Number(countArgument); i++) {
  await engine.write([{ type: 'put', key: Buffer.from(`k${i}`), value: Buffer.alloc(1024, 1) }], { sync: syncArgument === 'sync' });
}
await engine.close();
rmSync(directory, { recursive: true, force: true });
