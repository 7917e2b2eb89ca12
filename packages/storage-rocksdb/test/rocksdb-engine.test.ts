import { describeStorageCompliance } from '@shoal/storage/compliance';
import { openRocksDbEngine } from '@shoal/storage-rocksdb';

describeStorageCompliance('rocksdb', (directory) => openRocksDbEngine(directory), { persistent: true });
