import { tableHandleOf } from '@shoal/api';
import { Catalog, type TableDefinition } from '@shoal/metadata';
import { TABLE_NOT_YET_KNOWN, type TableHandle } from '@shoal/partition';
import type { ReplicatedKeyspace } from '@shoal/partition-replica';
import type { ClusterTables } from '@shoal/router';

/**
 * The tables as this node's copy of the metadata group has them: what its partitions' leaders
 * recount statistics for and maintain global indexes by. Reloaded whenever the copy has stored
 * something new. A copy may lag the group's leader by a few milliseconds, so a table created a
 * moment ago may not be known yet: its number is then at or past the catalog's next number, and
 * its change records wait (TABLE_NOT_YET_KNOWN).
 */
export class NodeCatalog implements ClusterTables {
  private catalog: Catalog | undefined;
  private loadedAt = -1;
  private loading: Promise<void> | undefined;
  private readonly seen = new Map<number, TableHandle>();

  constructor(private readonly metadata: ReplicatedKeyspace) {}

  async tables(): Promise<TableHandle[]> {
    await this.refresh();
    const catalog = this.catalog as Catalog;
    return catalog.names().map((name) => tableHandleOf(catalog.get(name) as TableDefinition));
  }

  /** Notes the definition a request carried: the gateway's view, newer than this copy at times. */
  noteHandle(handle: TableHandle): void {
    this.seen.set(handle.tableNumber, handle);
  }

  /**
   * The table as this copy defines it, plus any index a request's handle carried that is newer
   * (index numbers only grow) than every index this copy knows: a write that already maintains a
   * just-created index must have its change record applied to it too.
   */
  resolveTable(tableNumber: number): TableHandle | undefined | typeof TABLE_NOT_YET_KNOWN {
    if (this.metadata.storedIndex !== this.loadedAt) void this.refresh();
    const seen = this.seen.get(tableNumber);
    if (!this.catalog || tableNumber >= this.catalog.nextNumber) return seen ?? TABLE_NOT_YET_KNOWN;
    let table: TableDefinition | undefined;
    for (const name of this.catalog.names()) if (this.catalog.get(name)?.tableNumber === tableNumber) table = this.catalog.get(name);
    if (!table) return undefined;
    const handle = tableHandleOf(table);
    const known = Math.max(0, ...(table.indexes ?? []).map((index) => index.indexNumber));
    const newer = (seen?.indexes ?? []).filter((index) => index.indexNumber > known);
    return newer.length > 0 ? { ...handle, indexes: [...(handle.indexes ?? []), ...newer] } : handle;
  }

  refresh(): Promise<void> {
    if (this.metadata.storedIndex === this.loadedAt && this.catalog) return Promise.resolve();
    this.loading ??= (async () => {
      // The index whose writes are in the engine now: the catalog read below sees at least those.
      const stored = this.metadata.storedIndex;
      this.catalog = await Catalog.open(this.metadata.keyspace);
      this.loadedAt = stored;
    })().finally(() => (this.loading = undefined));
    return this.loading;
  }
}
