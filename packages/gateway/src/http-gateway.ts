import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { DynamoApi } from '@shoal/api';
import { isShoalError } from '@shoal/base';
import { CORAL_SERVICE_NAMESPACE, DynamoError, encodeJsonDocument, REQUEST_BODY_BYTES_MAX } from '@shoal/model';
import { checkAuthentication } from './authentication.js';
import { Http1Server, type HttpRequest, type HttpResponse } from './http1/server.js';

/**
 * DynamoDB's JSON 1.0 protocol over HTTP: POST / with `X-Amz-Target: DynamoDB_20120810.<Op>`
 * and `Content-Type: application/x-amz-json-1.0`. Responses carry `x-amzn-RequestId` and
 * `x-amz-crc32`; errors are `{"__type": ..., "message": ...}` with DynamoDB's status codes.
 * Nothing a client sends can throw out of the handler: unexpected failures become a 500.
 */
const TARGET_PREFIXES = new Set(['DynamoDB_20120810', 'DynamoDB_20111205']);
const EMPTY_QUERY = new URLSearchParams();
const HEALTH_BODY = 'healthy: dynamodb.us-east-1.amazonaws.com ';
const UNKNOWN_OPERATION_BODY = '<UnknownOperationException/>\n';

export interface GatewayLog {
  error(message: string, error: unknown): void;
}

export function createHttpGateway(api: DynamoApi, log: GatewayLog): Http1Server {
  return new Http1Server(
    async (request) => {
      try {
        return await handle(api, log, request);
      } catch (error) {
        log.error('unhandled gateway failure', error);
        return errorResponse('application/x-amz-json-1.0', DynamoError.internal());
      }
    },
    { bodyBytesMax: REQUEST_BODY_BYTES_MAX },
  );
}

async function handle(api: DynamoApi, log: GatewayLog, request: HttpRequest): Promise<HttpResponse> {
  const { headers, body } = request;
  if (request.method === 'GET' || request.method === 'HEAD') return rawResponse(200, 'text/plain', HEALTH_BODY);
  const contentType = (headers.get('content-type') ?? '').split(';')[0]!.trim();
  const jsonContentType = contentType === 'application/x-amz-json-1.0' || contentType === 'application/json';
  if (request.method !== 'POST' || (body.length > 0 && !jsonContentType)) {
    return rawResponse(404, 'text/plain', UNKNOWN_OPERATION_BODY);
  }
  const replyType = contentType === 'application/json' ? 'application/json' : 'application/x-amz-json-1.0';

  let parsed: unknown;
  if (body.length > 0) {
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return errorResponse(replyType, DynamoError.serialization(''));
    }
  }
  const [prefix, operation, ...rest] = (headers.get('x-amz-target') ?? '').split('.');
  if (!prefix || !operation || rest.length > 0 || !TARGET_PREFIXES.has(prefix) || !api.supports(operation)) {
    return errorResponse(replyType, DynamoError.unknownOperation());
  }
  try {
    // Only presigned requests carry a query string; skip URL parsing for the rest.
    const query = request.target.includes('?') ? new URL(request.target, 'http://localhost').searchParams : EMPTY_QUERY;
    checkAuthentication(headers, query);
    if (body.length === 0) throw DynamoError.serialization('');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw DynamoError.serialization('Start of list found where not expected');
    }
    const result = await api.handle(operation, parsed, { host: headers.get('host') ?? 'localhost' });
    return response(200, replyType, encodeJsonDocument(result));
  } catch (error) {
    if (isShoalError(error) && error instanceof DynamoError) return errorResponse(replyType, error);
    log.error(`operation ${operation} failed`, error);
    return errorResponse(replyType, isShoalError(error) && error.fault === 'ambiguous' ? DynamoError.ambiguous() : DynamoError.internal());
  }
}

function errorResponse(contentType: string, error: DynamoError): HttpResponse {
  const body: Record<string, unknown> = { __type: error.qualifiedType };
  // DynamoDB's request framework capitalises the member for its own (Coral) errors.
  if (error.message) body[error.namespace === CORAL_SERVICE_NAMESPACE ? 'Message' : 'message'] = error.message;
  if (error.item) body.Item = error.item;
  if (error.cancellationReasons) body.CancellationReasons = error.cancellationReasons;
  return rawResponse(error.status, contentType, JSON.stringify(body));
}

function rawResponse(status: number, contentType: string, text: string): HttpResponse {
  return response(status, contentType, Buffer.from(text, 'utf8'));
}

function response(status: number, contentType: string, body: Buffer): HttpResponse {
  return {
    status,
    headers: [
      ['x-amzn-RequestId', requestId()],
      ['Content-Type', contentType],
      ['x-amz-crc32', String(crc32(body))],
    ],
    body,
  };
}

/**
 * Request ids of 52 characters like DynamoDB's: a random per-process prefix and a counter, so
 * that ids are unique without drawing random bytes for every request.
 */
const REQUEST_ID_PREFIX = randomBytes(30).toString('base64').toUpperCase().replace(/[+/]/g, '0');
let requestCounter = 0;
function requestId(): string {
  requestCounter = (requestCounter + 1) % Number.MAX_SAFE_INTEGER;
  return REQUEST_ID_PREFIX + requestCounter.toString(36).toUpperCase().padStart(12, '0');
}
