import type { Bytes, KeyRange, StorageEngine, WriteOp } from '@shoal/storage';
import type { Router } from './router.js';

/**
 * The metadata group's keyspace as a storage engine, for the catalog: reads are served by the
 * group's leader after a ReadIndex, writes are proposals committed on a majority of its members.
 */
export class MetadataEngine implements StorageEngine {
  constructor(
    private readonly router: Router,
    private readonly group: number,
    private readonly voters: readonly number[],
  ) {}

  get(key: Bytes): Promise<Bytes | undefined> {
    return this.router.withLeader(this.group, this.voters, async (replica) => (await replica.keyspaceGetMany([key]))[0]);
  }

  getMany(keys: readonly Bytes[]): Promise<(Bytes | undefined)[]> {
    return this.router.withLeader(this.group, this.voters, (replica) => replica.keyspaceGetMany(keys));
  }

  async write(ops: readonly WriteOp[]): Promise<void> {
    await this.router.withLeader(this.group, this.voters, (replica) => replica.proposeWrites([...ops]));
  }

  /** Writes `ops` only if `key` still holds `expected` (undefined: absent); resolves whether it did. */
  writeIf(key: Bytes, expected: Bytes | undefined, ops: readonly WriteOp[]): Promise<boolean> {
    return this.router.withLeader(this.group, this.voters, (replica) => replica.proposeWritesIf(key, expected, [...ops]));
  }

  async *iterate(range: KeyRange): AsyncIterable<[Bytes, Bytes]> {
    yield* await this.router.withLeader(this.group, this.voters, (replica) => replica.openKeyspaceScan(range));
  }

  async close(): Promise<void> {}
}
