import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type * as Dynamo from '@aws-sdk/client-dynamodb';

const PROTO = fileURLToPath(new URL('../../../proto/dynamodb.proto', import.meta.url));

/** Each operation of Shoal's gRPC API with its input and output, as the AWS SDK types them. */
export interface Operations {
  CreateTable: [Dynamo.CreateTableInput, Dynamo.CreateTableOutput];
  DescribeTable: [Dynamo.DescribeTableInput, Dynamo.DescribeTableOutput];
  ListTables: [Dynamo.ListTablesInput, Dynamo.ListTablesOutput];
  DeleteTable: [Dynamo.DeleteTableInput, Dynamo.DeleteTableOutput];
  UpdateTable: [Dynamo.UpdateTableInput, Dynamo.UpdateTableOutput];
  TagResource: [Dynamo.TagResourceInput, Record<string, never>];
  UntagResource: [Dynamo.UntagResourceInput, Record<string, never>];
  ListTagsOfResource: [Dynamo.ListTagsOfResourceInput, Dynamo.ListTagsOfResourceOutput];
  DescribeEndpoints: [Dynamo.DescribeEndpointsRequest, Dynamo.DescribeEndpointsResponse];
  DescribeLimits: [Dynamo.DescribeLimitsInput, Dynamo.DescribeLimitsOutput];
  UpdateTimeToLive: [Dynamo.UpdateTimeToLiveInput, Dynamo.UpdateTimeToLiveOutput];
  DescribeTimeToLive: [Dynamo.DescribeTimeToLiveInput, Dynamo.DescribeTimeToLiveOutput];
  PutItem: [Dynamo.PutItemInput, Dynamo.PutItemOutput];
  GetItem: [Dynamo.GetItemInput, Dynamo.GetItemOutput];
  UpdateItem: [Dynamo.UpdateItemInput, Dynamo.UpdateItemOutput];
  DeleteItem: [Dynamo.DeleteItemInput, Dynamo.DeleteItemOutput];
  Query: [Dynamo.QueryInput, Dynamo.QueryOutput];
  Scan: [Dynamo.ScanInput, Dynamo.ScanOutput];
  BatchGetItem: [Dynamo.BatchGetItemInput, Dynamo.BatchGetItemOutput];
  BatchWriteItem: [Dynamo.BatchWriteItemInput, Dynamo.BatchWriteItemOutput];
}

export type OperationName = keyof Operations;

/** A DynamoDB error returned over gRPC: `name` is DynamoDB's error type (e.g. ConditionalCheckFailedException). */
export class ShoalServiceError extends Error {
  constructor(
    /** DynamoDB's qualified `__type`. */
    readonly type: string,
    message: string,
    /** The gRPC status code. */
    readonly code: grpc.status,
    /** The item, for ConditionalCheckFailedException with ReturnValuesOnConditionCheckFailure. */
    readonly item?: Record<string, Dynamo.AttributeValue>,
  ) {
    super(message);
    this.name = type.slice(type.lastIndexOf('#') + 1);
  }
}

interface Document {
  json?: Uint8Array;
}

type UnaryMethod = (request: Document, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: Document) => void) => void;

/**
 * A typed client of Shoal's gRPC API (proto/dynamodb.proto):
 *   const shoal = new ShoalGrpcClient('localhost:8001');
 *   await shoal.call('PutItem', { TableName: 'Music', Item: { Artist: { S: 'No One You Know' } } });
 */
export class ShoalGrpcClient {
  private readonly client: grpc.Client & Record<string, UnaryMethod>;

  constructor(address: string, options: { timeoutMs?: number } = {}) {
    const definition = protoLoader.loadSync(PROTO, { keepCase: true, longs: Number, enums: String, defaults: false });
    const root = grpc.loadPackageDefinition(definition) as unknown as { shoal: { dynamodb: { v1: { DynamoDB: grpc.ServiceClientConstructor } } } };
    const Client = root.shoal.dynamodb.v1.DynamoDB;
    this.client = new Client(address, grpc.credentials.createInsecure()) as grpc.Client & Record<string, UnaryMethod>;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  private readonly timeoutMs: number;

  call<O extends OperationName>(operation: O, input: Operations[O][0]): Promise<Operations[O][1]> {
    const method = this.client[operation] as UnaryMethod;
    return new Promise((resolve, reject) => {
      method.call(this.client, { json: Buffer.from(JSON.stringify(input)) }, { deadline: Date.now() + this.timeoutMs }, (error, response) => {
        if (error) return reject(toServiceError(error));
        resolve(JSON.parse(Buffer.from(response?.json ?? new Uint8Array(0)).toString('utf8') || '{}') as Operations[O][1]);
      });
    });
  }

  close(): void {
    this.client.close();
  }
}

function toServiceError(error: grpc.ServiceError): Error {
  try {
    const document = JSON.parse(error.details) as { __type?: string; message?: string; Message?: string; Item?: Record<string, Dynamo.AttributeValue> };
    if (document.__type) return new ShoalServiceError(document.__type, document.message ?? document.Message ?? '', error.code, document.Item);
  } catch {
    // Not a DynamoDB error document: a transport failure.
  }
  return error;
}
