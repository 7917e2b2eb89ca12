import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { KeyRange } from '@shoal/storage';

const PROTO = fileURLToPath(new URL('../../../proto/replica.proto', import.meta.url));

export interface WireKeyRange {
  gt?: Uint8Array;
  gte?: Uint8Array;
  lt?: Uint8Array;
  lte?: Uint8Array;
  reverse?: boolean;
}

export interface CallRequest {
  group: number;
  operation: string;
  arguments?: Uint8Array;
  keys?: Uint8Array[];
  writes?: { delete?: boolean; key: Uint8Array; value?: Uint8Array }[];
  /** Expected values of `keys` (proposeWritesIf). */
  values?: { present?: boolean; value?: Uint8Array }[];
}

export interface CallResponse {
  result?: Uint8Array;
  values?: { present?: boolean; value?: Uint8Array }[];
}

export interface ScanRequest {
  group: number;
  range: WireKeyRange;
  limit: number;
  continuation?: boolean;
  eventual?: boolean;
  anyReplica?: boolean;
  ownedStart?: string;
  ownedEnd?: string;
  generation?: number;
}

export interface ScanResponse {
  entries?: { key: Uint8Array; value: Uint8Array }[];
  more?: boolean;
  generation?: number;
  resumeAfter?: Uint8Array;
}

export interface ReplicaServiceClient extends grpc.Client {
  Call(request: CallRequest, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: CallResponse) => void): void;
  Scan(request: ScanRequest, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: ScanResponse) => void): void;
}

type ClientConstructor = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => ReplicaServiceClient;
let loaded: { service: grpc.ServiceDefinition; Client: ClientConstructor } | undefined;

export function replicaService(): { service: grpc.ServiceDefinition; Client: ClientConstructor } {
  if (loaded) return loaded;
  const definition = protoLoader.loadSync(PROTO, { keepCase: false, longs: Number, enums: String, defaults: false, arrays: true });
  const root = grpc.loadPackageDefinition(definition) as unknown as { shoal: { replica: { v1: { Replica: grpc.ServiceClientConstructor } } } };
  const constructor = root.shoal.replica.v1.Replica;
  loaded = { service: constructor.service, Client: constructor as unknown as ClientConstructor };
  return loaded;
}

const present = (bytes: Uint8Array | undefined): Uint8Array | undefined => (bytes && bytes.length > 0 ? bytes : undefined);

export function rangeToWire(range: KeyRange): WireKeyRange {
  const wire: WireKeyRange = {};
  if (range.gt) wire.gt = range.gt;
  if (range.gte) wire.gte = range.gte;
  if (range.lt) wire.lt = range.lt;
  if (range.lte) wire.lte = range.lte;
  if (range.reverse) wire.reverse = true;
  return wire;
}

export function rangeFromWire(wire: WireKeyRange | undefined): KeyRange {
  const range: KeyRange = {};
  const gt = present(wire?.gt);
  const gte = present(wire?.gte);
  const lt = present(wire?.lt);
  const lte = present(wire?.lte);
  if (gt) range.gt = gt;
  if (gte) range.gte = gte;
  if (lt) range.lt = lt;
  if (lte) range.lte = lte;
  if (wire?.reverse) range.reverse = true;
  return range;
}

export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

export function toJsonBytes(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value ?? null));
}

export function fromJsonBytes<T>(bytes: Uint8Array | undefined): T {
  return JSON.parse(bytes && bytes.length > 0 ? decoder.decode(bytes) : 'null') as T;
}
