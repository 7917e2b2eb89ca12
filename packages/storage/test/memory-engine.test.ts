import { MemoryEngine } from '@shoal/storage';
import { describeStorageCompliance } from '@shoal/storage/compliance';

describeStorageCompliance('memory', async () => new MemoryEngine(), { persistent: false });
