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
    return this.router.withLeader(this.group, this.voters, async (replica) => (await replica.consistentKeyspace()).get(key));
  }

  getMany(keys: readonly Bytes[]): Promise<(Bytes | undefined)[]> {
    return this.router.withLeader(this.group, this.voters, async (replica) => (await replica.consistentKeyspace()).getMany(keys));
  }

  async write(ops: readonly WriteOp[]): Promise<void> {
    await this.router.withLeader(this.group, this.voters, (replica) => replica.proposeWrites([...ops]));
  }

  async *iterate(range: KeyRange): AsyncIterable<[Bytes, Bytes]> {
    const keyspace = await this.router.withLeader(this.group, this.voters, (replica) => replica.consistentKeyspace());
    yield* keyspace.iterate(range);
  }

  async close(): Promise<void> {}
}
