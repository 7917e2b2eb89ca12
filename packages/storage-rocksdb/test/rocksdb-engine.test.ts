import { describeStorageCompliance } from '@shoal/storage/compliance';
import { openRocksDbEngine, openRocksDbNativeEngine } from '@shoal/storage-rocksdb';

// openRocksDbEngine is the @nxtedition/rocksdb adapter (openNxteditionEngine) with default options.
describeStorageCompliance('rocksdb (@nxtedition/rocksdb)', (directory) => openRocksDbEngine(directory), { persistent: true, iteratesText: true });
describeStorageCompliance('rocksdb-native', (directory) => openRocksDbNativeEngine(directory), { persistent: true });
