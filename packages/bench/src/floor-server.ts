import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';

/**
 * The bench's `floor` target: the least a durable DynamoDB-speaking server in Node can do per
 * request on this machine, to measure Shoal and dynalite against. It parses each request's JSON
 * with node:http, keeps items in a Map by their JSON key, and makes every write durable the way
 * Shoal's journal does: the request body written into a file already filled with zeros, then
 * fdatasynced, one sync per write. No validation, no expressions, no storage engine, no
 * secondary copy: what it costs, any server that acknowledges durable writes one at a time pays.
 *
 *   node --import tsx packages/bench/src/floor-server.ts <port> <data directory>
 */
const FILE_BYTES = 16 * 1024 * 1024;
const ZERO_CHUNK = Buffer.alloc(1024 * 1024);

const [portArgument, dataDir] = process.argv.slice(2);
if (!portArgument || !dataDir) throw new Error('usage: floor-server.ts <port> <data directory>');
const fd = openSync(join(dataDir, 'floor-journal'), 'w+');
for (let offset = 0; offset < FILE_BYTES; offset += ZERO_CHUNK.length) writeSync(fd, ZERO_CHUNK, 0, ZERO_CHUNK.length, offset);
fdatasyncSync(fd);
let journalOffset = 0;

function writeDurably(bytes: Buffer): void {
  if (journalOffset + bytes.length > FILE_BYTES) journalOffset = 0;
  writeSync(fd, bytes, 0, bytes.length, journalOffset);
  fdatasyncSync(fd);
  journalOffset += bytes.length;
}

const items = new Map<string, unknown>();
const keyOf = (table: string, key: unknown): string => `${table}\u0000${JSON.stringify(key)}`;

/** The answer to one operation; writes are durable before it returns. */
function answer(operation: string, raw: Buffer): unknown {
  const body = JSON.parse(raw.toString('utf8')) as { TableName: string; Item?: { key?: unknown }; Key?: unknown };
  switch (operation) {
    case 'CreateTable':
    case 'DescribeTable':
      return { Table: { TableName: body.TableName, TableStatus: 'ACTIVE' } };
    case 'PutItem':
      writeDurably(raw);
      items.set(keyOf(body.TableName, { key: body.Item?.key }), body.Item);
      return {};
    case 'UpdateItem':
      writeDurably(raw);
      return {};
    case 'GetItem': {
      const item = items.get(keyOf(body.TableName, body.Key));
      return item ? { Item: item } : {};
    }
    default:
      throw new Error(`the floor server does not do ${operation}`);
  }
}

function handle(request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const target = request.headers['x-amz-target'];
    let status = 200;
    let text: string;
    try {
      text = typeof target === 'string' ? JSON.stringify(answer(target.slice(target.indexOf('.') + 1), Buffer.concat(chunks))) : 'healthy';
    } catch (error) {
      status = 400;
      text = JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ValidationException', message: String(error) });
    }
    response.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'Content-Length': Buffer.byteLength(text) });
    response.end(text);
  });
}

const server = createServer({ keepAliveTimeout: 60_000 }, handle).listen(Number(portArgument), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  closeSync(fd);
});
