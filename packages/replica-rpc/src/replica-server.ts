import * as grpc from '@grpc/grpc-js';
import type { Item } from '@shoal/model';
import { type IndexHandle, type TableHandle, type WriteCommand } from '@shoal/partition';
import type { PartitionLeadership } from '@shoal/partition-replica';
import { NotLeaderError } from '@shoal/raft';
import { LocalReplica, type ReadMode } from '@shoal/router';
import type { WriteOp } from '@shoal/storage';
import { errorToStatus } from './errors.js';
import { fromJsonBytes, rangeFromWire, replicaService, toJsonBytes, type CallRequest, type CallResponse, type ScanRequest, type ScanResponse } from './service.js';

/** Entries per Scan page at most, whatever the caller asks. */
export const SCAN_PAGE_ENTRIES_MAX = 1024;

/** Operations on a node's replicas themselves (replica moves), handled by `ReplicaServerOptions.membership`. */
export const MEMBERSHIP_OPERATIONS = new Set(['openReplica', 'dropReplica', 'changeMembership', 'transferLeadership', 'groupState']);

export type MembershipHandler = (operation: string, group: number, args: unknown) => Promise<unknown>;

/** The replicas a node hosts, by group. */
export type ReplicaLookup = (group: number) => PartitionLeadership | undefined;

interface Arguments {
  table: TableHandle;
  key: Item;
  command: WriteCommand;
  index: IndexHandle;
  tableNumber: number;
  indexNumber?: number;
  mode?: ReadMode;
}

/** Serves a node's replicas over gRPC (proto/replica.proto). */
export class ReplicaServer {
  private readonly server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  private readonly clients = new Map<number, LocalReplica>();
  port = 0;

  private constructor(
    private readonly lookup: ReplicaLookup,
    private readonly onTable: (table: TableHandle) => void,
    private readonly status: () => unknown,
    private readonly membership: MembershipHandler | undefined,
  ) {
    this.server.addService(replicaService().service, {
      Call: (call: grpc.ServerUnaryCall<CallRequest, CallResponse>, callback: grpc.sendUnaryData<CallResponse>) => {
        this.call(call.request).then(
          (response) => callback(null, response),
          (error: unknown) => callback(errorToStatus(error)),
        );
      },
      Scan: (call: grpc.ServerUnaryCall<ScanRequest, ScanResponse>, callback: grpc.sendUnaryData<ScanResponse>) => {
        this.scan(call.request).then(
          (response) => callback(null, response),
          (error: unknown) => callback(errorToStatus(error)),
        );
      },
    });
  }

  /**
   * `onTable` sees the table definition each write carries (the gateway's view); `status`
   * answers the `status` operation (the node's groups and their Raft state, as JSON).
   */
  static start(
    lookup: ReplicaLookup,
    listen: string,
    options: { onTable?: (table: TableHandle) => void; status?: () => unknown; membership?: MembershipHandler } = {},
  ): Promise<ReplicaServer> {
    const server = new ReplicaServer(lookup, options.onTable ?? (() => {}), options.status ?? (() => null), options.membership);
    return new Promise((resolve, reject) => {
      server.server.bindAsync(listen, grpc.ServerCredentials.createInsecure(), (error, port) => {
        if (error) return reject(error);
        server.port = port;
        resolve(server);
      });
    });
  }

  close(): Promise<void> {
    this.server.forceShutdown();
    return Promise.resolve();
  }

  private replica(group: number): LocalReplica {
    const leadership = this.lookup(group);
    if (!leadership) throw new NotLeaderError(0);
    let client = this.clients.get(group);
    // A replica dropped and opened again (moved away and back) is a new one.
    if (client?.leadership !== leadership) this.clients.set(group, (client = new LocalReplica(leadership)));
    return client;
  }

  private async call(request: CallRequest): Promise<CallResponse> {
    if (request.operation === 'status') return { result: toJsonBytes(this.status()) };
    if (MEMBERSHIP_OPERATIONS.has(request.operation)) {
      if (!this.membership) throw new Error('this server does not take membership operations');
      return { result: toJsonBytes(await this.membership(request.operation, request.group, fromJsonBytes<unknown>(request.arguments))) };
    }
    const replica = this.replica(request.group);
    const args = fromJsonBytes<Arguments>(request.arguments);
    const keys = request.keys ?? [];
    if (args?.table) this.onTable(args.table);
    switch (request.operation) {
      case 'execute':
        return { result: toJsonBytes(await replica.execute(args.table, args.key, args.command)) };
      case 'getItem': {
        const stored = await replica.getItem(args.table, args.key, args.mode ?? 'consistent');
        return { values: [stored ? { present: true, value: stored.bytes } : { present: false }] };
      }
      case 'getMany':
        return { values: (await replica.getMany(keys, args?.mode ?? 'consistent')).map((stored) => (stored ? { present: true, value: stored.bytes } : { present: false })) };
      case 'reindex':
        await replica.reindex(args.table, args.key, args.index);
        return {};
      case 'dropIndex':
        await replica.dropIndex(args.tableNumber, args.indexNumber as number);
        return {};
      case 'dropTable':
        await replica.dropTable(args.tableNumber);
        return {};
      case 'statistics':
        return { result: toJsonBytes(await replica.statistics(args.tableNumber, args.indexNumber)) };
      case 'open':
        await replica.open();
        return {};
      case 'indexesSettled':
        await replica.indexesSettled();
        return {};
      case 'keyspaceGetMany':
        return { values: (await replica.keyspaceGetMany(keys)).map((value) => (value ? { present: true, value } : { present: false })) };
      case 'proposeWrites':
        await replica.proposeWrites(writesFromWire(request));
        return {};
      case 'proposeWritesIf': {
        const expected = request.values?.[0];
        const applied = await replica.proposeWritesIf(keys[0] as Uint8Array, expected?.present ? (expected.value ?? new Uint8Array(0)) : undefined, writesFromWire(request));
        return { result: toJsonBytes(applied) };
      }
      default:
        throw new Error(`unknown replica operation ${request.operation}`);
    }
  }

  /**
   * A page of raw entries: items' values are their stored JSON, as the client decodes them. The
   * first page checks the range the router believes the partition owns; later pages check that
   * the range has not changed since (a split), so a scan never mixes two ranges.
   */
  private async scan(request: ScanRequest): Promise<ScanResponse> {
    const leadership = this.lookup(request.group);
    if (!leadership) throw new NotLeaderError(0);
    let keyspace = leadership.keyspace;
    if (request.continuation || request.anyReplica) {
      // no leadership check: a continued scan, or the nearest replica's applied state
    } else if (request.eventual) await leadership.leaderStore();
    else keyspace = await leadership.consistentKeyspace();
    const owned = request.ownedStart && request.ownedEnd ? { start: BigInt(request.ownedStart), end: BigInt(request.ownedEnd) } : undefined;
    const view = leadership.scanView(owned);
    if (request.continuation) leadership.checkGeneration(request.generation ?? 0);
    const limit = Math.min(Math.max(request.limit, 1), SCAN_PAGE_ENTRIES_MAX);
    const entries: { key: Uint8Array; value: Uint8Array }[] = [];
    let read = 0;
    let resumeAfter: Uint8Array | undefined;
    let more = false;
    for await (const [key, value] of keyspace.iterate({ ...rangeFromWire(request.range), limit: limit + 1 })) {
      if (read++ === limit) {
        more = true;
        break;
      }
      resumeAfter = key;
      if (!view.keep || view.keep(key, value)) entries.push({ key, value });
    }
    leadership.checkGeneration(view.generation);
    return { entries, more, generation: view.generation, ...(resumeAfter ? { resumeAfter } : {}) };
  }
}

function writesFromWire(request: CallRequest): WriteOp[] {
  return (request.writes ?? []).map((write) => (write.delete ? { type: 'del', key: write.key } : { type: 'put', key: write.key, value: write.value ?? new Uint8Array(0) }));
}
