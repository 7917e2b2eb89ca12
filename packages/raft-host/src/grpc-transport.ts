import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { NodeId } from '@shoal/raft';
import type { BatchHandler, GroupMessage, Transport } from './transport.js';
import { batchFromWire, batchToWire, type WireBatch } from './wire.js';

const PROTO = fileURLToPath(new URL('../../../proto/raft.proto', import.meta.url));
/** Past this many bytes queued on a peer's stream, new batches are dropped (Raft resends). */
const STREAM_BUFFER_BYTES_MAX = 16 * 1024 * 1024;
/** After a stream to a peer fails, batches to it are dropped for this long before reconnecting. */
const RECONNECT_DELAY_MS = 100;

interface RaftTransportClient extends grpc.Client {
  Send(callback: (error: grpc.ServiceError | null) => void): grpc.ClientWritableStream<WireBatch>;
}

type ClientConstructor = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => RaftTransportClient;
let loaded: { service: grpc.ServiceDefinition; Client: ClientConstructor } | undefined;

function loadService(): { service: grpc.ServiceDefinition; Client: ClientConstructor } {
  if (loaded) return loaded;
  const definition = protoLoader.loadSync(PROTO, { keepCase: false, longs: Number, enums: String, defaults: false, arrays: true });
  const root = grpc.loadPackageDefinition(definition) as unknown as { shoal: { raft: { v1: { RaftTransport: grpc.ServiceClientConstructor } } } };
  const constructor = root.shoal.raft.v1.RaftTransport;
  loaded = { service: constructor.service, Client: constructor as unknown as ClientConstructor };
  return loaded;
}

export interface GrpcTransportOptions {
  node: NodeId;
  /** Where this node listens, e.g. `127.0.0.1:7001` (port 0 picks a free port). */
  listen: string;
  /** Where the other nodes listen. May change later with `setPeer`. */
  peers: Map<NodeId, string>;
}

interface Peer {
  address: string;
  client?: RaftTransportClient;
  stream?: grpc.ClientWritableStream<WireBatch>;
  retryAt: number;
}

/**
 * Raft message batches over gRPC: one client stream per peer, one `MessageBatch` per round,
 * best-effort. A broken stream is dropped and reopened on a later send; while a peer is down its
 * batches are dropped, which Raft treats as message loss.
 */
export class GrpcTransport implements Transport {
  private readonly server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  private readonly peers = new Map<NodeId, Peer>();
  private readonly Client;
  private handler: BatchHandler = () => {};
  /** Batches dropped because a peer was unreachable or slow. */
  dropped = 0;

  /** The port the server is bound to. */
  port = 0;

  private constructor(private readonly options: GrpcTransportOptions) {
    const { service, Client } = loadService();
    this.Client = Client;
    for (const [node, address] of options.peers) this.peers.set(node, { address, retryAt: 0 });
    this.server.addService(service, {
      Send: (call: grpc.ServerReadableStream<WireBatch, { batches: number }>, callback: grpc.sendUnaryData<{ batches: number }>) => {
        let batches = 0;
        call.on('data', (wire: WireBatch) => {
          batches++;
          this.handler(wire.from ?? 0, batchFromWire(wire));
        });
        call.on('end', () => callback(null, { batches }));
        call.on('error', () => {});
      },
    });
  }

  /** Starts listening; resolves once the port is bound (read it from `port`). */
  static start(options: GrpcTransportOptions): Promise<GrpcTransport> {
    const transport = new GrpcTransport(options);
    return new Promise((resolve, reject) => {
      transport.server.bindAsync(options.listen, grpc.ServerCredentials.createInsecure(), (error, port) => {
        if (error) return reject(error);
        transport.port = port;
        resolve(transport);
      });
    });
  }

  setPeer(node: NodeId, address: string): void {
    this.closePeer(node);
    this.peers.set(node, { address, retryAt: 0 });
  }

  send(to: NodeId, batch: GroupMessage[]): void {
    const peer = this.peers.get(to);
    if (!peer) return;
    const stream = this.stream(peer);
    if (!stream || stream.writableLength > STREAM_BUFFER_BYTES_MAX) {
      this.dropped++;
      return;
    }
    stream.write(batchToWire(this.options.node, batch));
  }

  receive(handler: BatchHandler): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    for (const node of this.peers.keys()) this.closePeer(node);
    // Incoming streams from peers stay open indefinitely: cut them rather than wait.
    this.server.forceShutdown();
  }

  private stream(peer: Peer): grpc.ClientWritableStream<WireBatch> | undefined {
    if (peer.stream) return peer.stream;
    if (Date.now() < peer.retryAt) return undefined;
    peer.client ??= new this.Client(peer.address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 64 * 1024 * 1024 });
    const stream = peer.client.Send(() => {
      // The stream ended or failed (peer down, restarted): reconnect on a later send.
      if (peer.stream === stream) {
        peer.stream = undefined;
        peer.retryAt = Date.now() + RECONNECT_DELAY_MS;
      }
    });
    stream.on('error', () => {});
    peer.stream = stream;
    return stream;
  }

  private closePeer(node: NodeId): void {
    const peer = this.peers.get(node);
    if (!peer) return;
    peer.stream?.end();
    peer.stream = undefined;
    peer.client?.close();
    peer.client = undefined;
  }
}
