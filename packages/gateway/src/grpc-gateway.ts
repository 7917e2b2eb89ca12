import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { DynamoApi } from '@shoal/api';
import { isShoalError } from '@shoal/base';
import { CORAL_SERVICE_NAMESPACE, DynamoError, encodeJsonDocument, REQUEST_BODY_BYTES_MAX } from '@shoal/model';
import type { GatewayLog } from './http-gateway.js';

const PROTO = fileURLToPath(new URL('../../../proto/dynamodb.proto', import.meta.url));

interface Document {
  json?: Uint8Array;
}

/** The gRPC status of a DynamoDB error (proto/dynamodb.proto). */
function statusOf(error: DynamoError): grpc.status {
  if (error.status >= 500) return grpc.status.UNAVAILABLE;
  if (error.type === 'ResourceNotFoundException') return grpc.status.NOT_FOUND;
  if (error.type === 'ConditionalCheckFailedException') return grpc.status.FAILED_PRECONDITION;
  if (error.type === 'ProvisionedThroughputExceededException' || error.type === 'ThrottlingException') return grpc.status.RESOURCE_EXHAUSTED;
  return grpc.status.INVALID_ARGUMENT;
}

function errorDocument(error: DynamoError): string {
  const body: Record<string, unknown> = { __type: error.qualifiedType };
  if (error.message) body[error.namespace === CORAL_SERVICE_NAMESPACE ? 'Message' : 'message'] = error.message;
  if (error.item) body.Item = error.item;
  return JSON.stringify(body);
}

/**
 * The public gRPC API (proto/dynamodb.proto): every DynamoDB operation as an RPC whose request and
 * response are the operation's JSON document, handled by the same `DynamoApi` as HTTP.
 */
export async function startGrpcGateway(api: DynamoApi, listen: string, log: GatewayLog): Promise<{ port: number; close(): void }> {
  const definition = protoLoader.loadSync(PROTO, { keepCase: true, longs: Number, enums: String, defaults: false });
  const root = grpc.loadPackageDefinition(definition) as unknown as { shoal: { dynamodb: { v1: { DynamoDB: grpc.ServiceClientConstructor } } } };
  const service = root.shoal.dynamodb.v1.DynamoDB.service;
  const server = new grpc.Server({ 'grpc.max_receive_message_length': REQUEST_BODY_BYTES_MAX + 1024 });
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const operation of Object.keys(service)) {
    implementation[operation] = (call: grpc.ServerUnaryCall<Document, Document>, callback: grpc.sendUnaryData<Document>) => {
      handle(api, operation, call.request.json).then(
        (result) => callback(null, { json: encodeJsonDocument(result) }),
        (error: unknown) => {
          let dynamo: DynamoError;
          if (isShoalError(error) && error instanceof DynamoError) dynamo = error;
          else {
            log.error(`gRPC ${operation} failed`, error);
            dynamo = isShoalError(error) && error.fault === 'ambiguous' ? DynamoError.ambiguous() : DynamoError.internal();
          }
          callback({ code: statusOf(dynamo), details: errorDocument(dynamo) });
        },
      );
    };
  }
  server.addService(service, implementation);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(listen, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  return { port, close: () => server.forceShutdown() };
}

async function handle(api: DynamoApi, operation: string, json: Uint8Array | undefined): Promise<Record<string, unknown>> {
  if (!api.supports(operation)) throw DynamoError.unknownOperation();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(json ?? new Uint8Array(0)).toString('utf8'));
  } catch {
    throw DynamoError.serialization('');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw DynamoError.serialization('Start of list found where not expected');
  return api.handle(operation, parsed, { host: 'localhost' });
}
