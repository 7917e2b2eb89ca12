import * as grpc from '@grpc/grpc-js';
import type { Item } from '@shoal/model';
import type { TableStatistics } from '@shoal/metadata';
import { StoredItem, type StoredEntry, type IndexHandle, type TableHandle, type WriteCommand, type WriteOutcome } from '@shoal/partition';
import type { MembershipControl, ReadMode, ReplicaClient, ReplicaDirectory, ReplicaState } from '@shoal/router';
import type { ConfigChange, Membership } from '@shoal/raft';
import type { TokenRange } from '@shoal/partition-replica';
import { rangeAfter, type Bytes, type KeyRange, type WriteOp } from '@shoal/storage';
import { errorFromStatus } from './errors.js';
import { fromJsonBytes, rangeToWire, replicaService, toJsonBytes, type CallRequest, type CallResponse, type ReplicaServiceClient, type ScanRequest, type ScanResponse } from './service.js';

/** How long one call to a replica may take before it is abandoned (the outcome of a write is then unknown). */
const CALL_DEADLINE_MS = 10_000;
const SCAN_PAGE_ENTRIES = 256;
/** A restarted node is found again within about a second (gRPC's default backoff grows to minutes). */
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1000,
};

/** Replicas on other nodes, reached over gRPC (one channel per node). */
export class GrpcReplicaDirectory implements ReplicaDirectory {
  private readonly clients = new Map<number, ReplicaServiceClient>();
  private readonly replicas = new Map<string, RemoteReplica>();

  constructor(private readonly addresses: ReadonlyMap<number, string>) {}

  replica(node: number, group: number): ReplicaClient | undefined {
    const id = `${node}:${group}`;
    let replica = this.replicas.get(id);
    if (!replica) {
      const client = this.client(node);
      if (!client) return undefined;
      this.replicas.set(id, (replica = new RemoteReplica(client, group)));
    }
    return replica;
  }

  /** A membership operation on a node's replica of `group` (see MEMBERSHIP_OPERATIONS). */
  membership<T = unknown>(node: number, operation: string, group: number, args: unknown = null): Promise<T> {
    const client = this.client(node);
    if (!client) return Promise.reject(new Error(`no address for node ${node}`));
    return new Promise((resolve, reject) => {
      client.Call({ group, operation, arguments: toJsonBytes(args) }, { deadline: Date.now() + CALL_DEADLINE_MS }, (error, response) => {
        if (error) reject(errorFromStatus(error, operation !== 'groupState'));
        else resolve(fromJsonBytes<T>(response?.result));
      });
    });
  }

  /** A node's status (its groups' Raft state), as its replica service reports it. */
  status<T = unknown>(node: number): Promise<T> {
    const client = this.client(node);
    if (!client) return Promise.reject(new Error(`no address for node ${node}`));
    return new Promise((resolve, reject) => {
      client.Call({ group: 0, operation: 'status' }, { deadline: Date.now() + CALL_DEADLINE_MS }, (error, response) => {
        if (error) reject(errorFromStatus(error, false));
        else resolve(fromJsonBytes<T>(response?.result));
      });
    });
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
  }

  private client(node: number): ReplicaServiceClient | undefined {
    let client = this.clients.get(node);
    if (!client) {
      const address = this.addresses.get(node);
      if (!address) return undefined;
      const { Client } = replicaService();
      client = new Client(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
      this.clients.set(node, client);
    }
    return client;
  }
}

class RemoteReplica implements ReplicaClient {
  constructor(
    private readonly client: ReplicaServiceClient,
    private readonly group: number,
  ) {}

  private call(operation: string, isWrite: boolean, args: unknown = null, extra: Partial<CallRequest> = {}): Promise<CallResponse> {
    const request: CallRequest = { group: this.group, operation, arguments: toJsonBytes(args), ...extra };
    return new Promise((resolve, reject) => {
      this.client.Call(request, { deadline: Date.now() + CALL_DEADLINE_MS }, (error, response) => {
        if (error) reject(errorFromStatus(error, isWrite));
        else resolve(response ?? {});
      });
    });
  }

  private page(range: KeyRange, mode: ReadMode, owned: TokenRange | undefined, continuing: number | undefined): Promise<ScanResponse> {
    // A page holds at most what the caller may read (a Query's Limit), the server's filtering aside.
    const limit = Math.max(1, Math.min(SCAN_PAGE_ENTRIES, range.limit ?? SCAN_PAGE_ENTRIES));
    const request: ScanRequest = { group: this.group, range: rangeToWire(range), limit, continuation: continuing !== undefined, eventual: mode !== 'consistent', anyReplica: mode === 'any' };
    if (owned) Object.assign(request, { ownedStart: owned.start.toString(), ownedEnd: owned.end.toString() });
    if (continuing !== undefined) request.generation = continuing;
    return new Promise((resolve, reject) => {
      this.client.Scan(
        request,
        { deadline: Date.now() + CALL_DEADLINE_MS },
        (error, response) => (error ? reject(errorFromStatus(error, false)) : resolve(response ?? {})),
      );
    });
  }

  async execute(table: TableHandle, key: Item, command: WriteCommand): Promise<WriteOutcome> {
    return fromJsonBytes<WriteOutcome>((await this.call('execute', true, { table, key, command })).result);
  }

  async getItem(table: TableHandle, key: Item, mode: ReadMode): Promise<StoredItem | undefined> {
    const [value] = (await this.call('getItem', false, { table, key, mode })).values ?? [];
    return value?.present && value.value ? StoredItem.fromBytes(value.value) : undefined;
  }

  async getMany(storageKeys: Uint8Array[], mode: ReadMode): Promise<(StoredItem | undefined)[]> {
    const response = await this.call('getMany', false, { mode }, { keys: storageKeys });
    return (response.values ?? []).map((value) => (value.present && value.value ? StoredItem.fromBytes(value.value) : undefined));
  }

  async openScan(range: KeyRange, mode: ReadMode, owned?: TokenRange): Promise<AsyncIterable<StoredEntry>> {
    const raw = await this.openRawScan(range, mode, owned);
    return (async function* () {
      for await (const [key, value] of raw) yield [key, StoredItem.fromBytes(value)] as StoredEntry;
    })();
  }

  async reindex(table: TableHandle, key: Item, index: IndexHandle): Promise<void> {
    await this.call('reindex', true, { table, key, index });
  }

  async dropIndex(tableNumber: number, indexNumber: number): Promise<void> {
    await this.call('dropIndex', true, { tableNumber, indexNumber });
  }

  async dropTable(tableNumber: number): Promise<void> {
    await this.call('dropTable', true, { tableNumber });
  }

  async statistics(tableNumber: number, indexNumber?: number): Promise<TableStatistics> {
    return fromJsonBytes<TableStatistics>((await this.call('statistics', false, { tableNumber, indexNumber })).result);
  }

  async open(): Promise<void> {
    await this.call('open', false);
  }

  async indexesSettled(): Promise<void> {
    await this.call('indexesSettled', false);
  }

  async keyspaceGetMany(keys: readonly Bytes[]): Promise<(Bytes | undefined)[]> {
    const response = await this.call('keyspaceGetMany', false, null, { keys: [...keys] });
    return (response.values ?? []).map((value) => (value.present ? (value.value ?? new Uint8Array(0)) : undefined));
  }

  openKeyspaceScan(range: KeyRange): Promise<AsyncIterable<[Bytes, Bytes]>> {
    return this.openRawScan(range, 'consistent');
  }

  async proposeWrites(ops: WriteOp[]): Promise<void> {
    await this.call('proposeWrites', true, null, { writes: writesToWire(ops) });
  }

  async proposeWritesIf(key: Bytes, expected: Bytes | undefined, ops: WriteOp[]): Promise<boolean> {
    const expectation = expected ? { present: true, value: expected } : { present: false };
    const response = await this.call('proposeWritesIf', true, null, { keys: [key], values: [expectation], writes: writesToWire(ops) });
    return fromJsonBytes<boolean>(response.result);
  }

  /** The first page checks leadership (and fails over like any call); later pages follow it on the same replica. */
  private async openRawScan(range: KeyRange, mode: ReadMode, owned?: TokenRange): Promise<AsyncIterable<[Bytes, Bytes]>> {
    const first = await this.page(range, mode, owned, undefined);
    const generation = first.generation ?? 0;
    const pageOf = (continued: KeyRange) => this.page(continued, mode, owned, generation);
    return (async function* () {
      let page = first;
      for (;;) {
        for (const entry of page.entries ?? []) yield [entry.key, entry.value] as [Bytes, Bytes];
        const last = page.resumeAfter;
        if (!page.more || !last || last.length === 0) return;
        page = await pageOf(rangeAfter(range, last));
      }
    })();
  }
}

/** Replica moves on storage node processes, through their replica services. */
export class GrpcMembershipControl implements MembershipControl {
  constructor(private readonly directory: GrpcReplicaDirectory) {}

  async openReplica(node: number, group: number, founders: Membership): Promise<void> {
    await this.directory.membership(node, 'openReplica', group, { founders });
  }

  async dropReplica(node: number, group: number): Promise<void> {
    await this.directory.membership(node, 'dropReplica', group);
  }

  async changeMembership(node: number, group: number, change: ConfigChange): Promise<void> {
    await this.directory.membership(node, 'changeMembership', group, { change });
  }

  async transferLeadership(node: number, group: number, to: number): Promise<void> {
    await this.directory.membership(node, 'transferLeadership', group, { to });
  }

  async state(node: number, group: number): Promise<ReplicaState | undefined> {
    return (await this.directory.membership<ReplicaState | null>(node, 'groupState', group).catch(() => null)) ?? undefined;
  }
}

function writesToWire(ops: readonly WriteOp[]): { delete?: boolean; key: Uint8Array; value?: Uint8Array }[] {
  return ops.map((op) => (op.type === 'put' ? { key: op.key, value: op.value } : { delete: true, key: op.key }));
}
