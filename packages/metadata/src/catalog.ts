import type { StorageEngine, WriteOp } from '@shoal/storage';
import type { TableDefinition } from './table.js';

/**
 * The table catalog: every table definition, persisted in the node's storage engine under the
 * metadata prefix and cached in memory. Control-plane changes are serialised through one queue,
 * so a read-modify-write of a definition never interleaves with another.
 *
 * Later this state becomes the metadata Raft group's state machine; its operations are already
 * whole-definition puts and removes so that they can travel as commands.
 */
const METADATA_PREFIX = 0x01;
const TABLE_TAG = 0x54; // 'T'
const COUNTER_TAG = 0x4e; // 'N'

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function tableKey(name: string): Uint8Array {
  const nameBytes = encoder.encode(name);
  const key = new Uint8Array(2 + nameBytes.length);
  key[0] = METADATA_PREFIX;
  key[1] = TABLE_TAG;
  key.set(nameBytes, 2);
  return key;
}

const COUNTER_KEY = Uint8Array.of(METADATA_PREFIX, COUNTER_TAG);

export class Catalog {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly engine: StorageEngine,
    private readonly tables: Map<string, TableDefinition>,
    private nextTableNumber: number,
  ) {}

  static async open(engine: StorageEngine): Promise<Catalog> {
    const tables = new Map<string, TableDefinition>();
    const start = tableKey('');
    const end = Uint8Array.of(METADATA_PREFIX, TABLE_TAG + 1);
    for await (const [, value] of engine.iterate({ gte: start, lt: end })) {
      const table = JSON.parse(decoder.decode(value)) as TableDefinition;
      tables.set(table.TableName, table);
    }
    const counter = await engine.get(COUNTER_KEY);
    const next = counter ? Number(decoder.decode(counter)) : 1;
    return new Catalog(engine, tables, next);
  }

  get(name: string): TableDefinition | undefined {
    return this.tables.get(name);
  }

  /** Table names in DynamoDB's ListTables order (ascending by UTF-16 code unit, like Java). */
  names(): string[] {
    return [...this.tables.keys()].sort();
  }

  get size(): number {
    return this.tables.size;
  }

  /** The number the next new table will get: every table number below it was allocated. */
  get nextNumber(): number {
    return this.nextTableNumber;
  }

  /**
   * Runs a control-plane change exclusively: `change` sees the current catalog and returns the
   * definitions to store (or remove); they are written in one synced batch before it resolves.
   */
  exclusive<T>(change: (catalog: CatalogTransaction) => T): Promise<T> {
    const run = async (): Promise<T> => {
      const transaction = new CatalogTransaction(this.tables, this.nextTableNumber);
      const result = change(transaction);
      const ops: WriteOp[] = [];
      for (const [name, table] of transaction.changes) {
        ops.push(
          table
            ? { type: 'put', key: tableKey(name), value: encoder.encode(JSON.stringify(table)) }
            : { type: 'del', key: tableKey(name) },
        );
      }
      if (transaction.nextTableNumber !== this.nextTableNumber) {
        ops.push({ type: 'put', key: COUNTER_KEY, value: encoder.encode(String(transaction.nextTableNumber)) });
      }
      if (ops.length > 0) await this.engine.write(ops, { sync: true });
      for (const [name, table] of transaction.changes) {
        if (table) this.tables.set(name, table);
        else this.tables.delete(name);
      }
      this.nextTableNumber = transaction.nextTableNumber;
      return result;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

export class CatalogTransaction {
  readonly changes = new Map<string, TableDefinition | undefined>();

  constructor(
    private readonly tables: ReadonlyMap<string, TableDefinition>,
    public nextTableNumber: number,
  ) {}

  get(name: string): TableDefinition | undefined {
    return this.changes.has(name) ? this.changes.get(name) : this.tables.get(name);
  }

  get size(): number {
    let size = this.tables.size;
    for (const [name, table] of this.changes) {
      const existed = this.tables.has(name);
      if (table && !existed) size++;
      if (!table && existed) size--;
    }
    return size;
  }

  allocateTableNumber(): number {
    return this.nextTableNumber++;
  }

  put(table: TableDefinition): void {
    this.changes.set(table.TableName, table);
  }

  remove(name: string): void {
    this.changes.set(name, undefined);
  }
}
