import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import type { DynamoApi } from '@shoal/api';
import { isShoalError } from '@shoal/base';
import { CORAL_SERVICE_NAMESPACE, DynamoError, encodeJsonDocument, REQUEST_BODY_BYTES_MAX } from '@shoal/model';
import { checkAuthentication } from './authentication.js';

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

export function createHttpGateway(api: DynamoApi, log: GatewayLog): Server {
  const server = createServer((request, response) => {
    readBody(request, response, (body) => {
      handle(api, log, request, response, body).catch((error: unknown) => {
        log.error('unhandled gateway failure', error);
        if (!response.headersSent) sendError(response, 'application/x-amz-json-1.0', DynamoError.internal());
      });
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

function readBody(request: IncomingMessage, response: ServerResponse, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let length = 0;
  let tooLarge = false;
  request.on('data', (chunk: Buffer) => {
    if (tooLarge) return;
    length += chunk.length;
    if (length > REQUEST_BODY_BYTES_MAX) {
      tooLarge = true;
      response.statusCode = 413;
      response.setHeader('Connection', 'close');
      response.end();
      request.resume();
      return;
    }
    chunks.push(chunk);
  });
  request.on('end', () => {
    if (!tooLarge) done(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length));
  });
  request.on('error', () => response.destroy());
}

async function handle(api: DynamoApi, log: GatewayLog, request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> {
  response.setHeader('x-amzn-RequestId', requestId());
  if (request.method === 'GET') return sendRaw(response, 200, 'text/plain', HEALTH_BODY);
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim();
  const jsonContentType = contentType === 'application/x-amz-json-1.0' || contentType === 'application/json';
  if (request.method !== 'POST' || (body.length > 0 && !jsonContentType)) {
    return sendRaw(response, 404, 'text/plain', UNKNOWN_OPERATION_BODY);
  }
  const replyType = contentType === 'application/json' ? 'application/json' : 'application/x-amz-json-1.0';

  let parsed: unknown;
  if (body.length > 0) {
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return sendError(response, replyType, DynamoError.serialization(''));
    }
  }
  const targetHeader = request.headers['x-amz-target'];
  const [prefix, operation, ...rest] = (typeof targetHeader === 'string' ? targetHeader : '').split('.');
  if (!prefix || !operation || rest.length > 0 || !TARGET_PREFIXES.has(prefix) || !api.supports(operation)) {
    return sendError(response, replyType, DynamoError.unknownOperation());
  }
  try {
    // Only presigned requests carry a query string; skip URL parsing for the rest.
    const path = request.url ?? '/';
    const query = path.includes('?') ? new URL(path, 'http://localhost').searchParams : EMPTY_QUERY;
    checkAuthentication(request.headers, query);
    if (body.length === 0) throw DynamoError.serialization('');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw DynamoError.serialization('Start of list found where not expected');
    }
    const result = await api.handle(operation, parsed, { host: request.headers.host ?? 'localhost' });
    send(response, 200, replyType, encodeJsonDocument(result));
  } catch (error) {
    if (isShoalError(error) && error instanceof DynamoError) return sendError(response, replyType, error);
    log.error(`operation ${operation} failed`, error);
    sendError(response, replyType, isShoalError(error) && error.fault === 'ambiguous' ? DynamoError.ambiguous() : DynamoError.internal());
  }
}

function sendError(response: ServerResponse, contentType: string, error: DynamoError): void {
  const body: Record<string, unknown> = { __type: error.qualifiedType };
  // DynamoDB's request framework capitalises the member for its own (Coral) errors.
  if (error.message) body[error.namespace === CORAL_SERVICE_NAMESPACE ? 'Message' : 'message'] = error.message;
  if (error.item) body.Item = error.item;
  if (error.cancellationReasons) body.CancellationReasons = error.cancellationReasons;
  sendRaw(response, error.status, contentType, JSON.stringify(body));
}

function sendRaw(response: ServerResponse, status: number, contentType: string, text: string): void {
  send(response, status, contentType, Buffer.from(text, 'utf8'));
}

function send(response: ServerResponse, status: number, contentType: string, bytes: Buffer): void {
  response.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': bytes.length,
    'x-amz-crc32': String(crc32(bytes)),
  });
  response.end(bytes);
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
