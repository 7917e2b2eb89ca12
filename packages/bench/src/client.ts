import { connect, type Socket } from 'node:net';

/**
 * A light DynamoDB JSON client for load generation: HTTP/1.1 over keep-alive sockets, one
 * request in flight per socket, each request written whole in one write, its head built from
 * a fixed template (both servers accept any SigV4 signature). node:http's client cost about as
 * much CPU per request as the server under test (105-128 µs against 122-197 on YCSB C and B at
 * concurrency 16), on the same two cores: this one leaves the servers that CPU.
 */
const FIXED_HEADERS =
  'Content-Type: application/x-amz-json-1.0\r\n' +
  'Authorization: AWS4-HMAC-SHA256 Credential=AKIDBENCH/20261125/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000\r\n' +
  'X-Amz-Date: 20261125T000000Z\r\n';

const HEAD_END = Buffer.from('\r\n\r\n');

export interface BenchResponse {
  status: number;
  body: string;
}

interface Pending {
  resolve(response: BenchResponse): void;
  reject(error: Error): void;
}

/** One keep-alive connection with at most one request in flight. */
class Connection {
  private readonly socket: Socket;
  private pending: Pending | undefined;
  private buffered: Buffer = Buffer.alloc(0);
  closed = false;

  constructor(port: number, host: string, onClose: (connection: Connection) => void) {
    this.socket = connect(port, host);
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('close', () => {
      this.closed = true;
      this.fail(new Error('the server closed the connection'));
      onClose(this);
    });
  }

  send(request: string, pending: Pending): void {
    this.pending = pending;
    this.socket.write(request);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const response = parseResponse(this.buffered);
    if (!response) return;
    this.buffered = this.buffered.subarray(response.consumed);
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve({ status: response.status, body: response.body });
    if (response.close) this.socket.end();
  }

  private fail(error: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }
}

/** A whole response at the start of `bytes`, or undefined while more bytes are needed. */
export function parseResponse(bytes: Buffer): { status: number; body: string; consumed: number; close: boolean } | undefined {
  const headEnd = bytes.indexOf(HEAD_END);
  if (headEnd === -1) return undefined;
  const head = bytes.toString('latin1', 0, headEnd);
  const status = Number(head.slice(9, 12));
  const lowered = head.toLowerCase();
  const close = /\r\nconnection:\s*close/.test(lowered);
  const bodyStart = headEnd + 4;
  const length = /\r\ncontent-length:\s*(\d+)/.exec(lowered);
  if (length) {
    const end = bodyStart + Number(length[1]);
    if (bytes.length < end) return undefined;
    return { status, body: bytes.toString('utf8', bodyStart, end), consumed: end, close };
  }
  if (/\r\ntransfer-encoding:\s*chunked/.test(lowered)) {
    const chunks: Buffer[] = [];
    let at = bodyStart;
    for (;;) {
      const lineEnd = bytes.indexOf('\r\n', at);
      if (lineEnd === -1) return undefined;
      const size = Number.parseInt(bytes.toString('latin1', at, lineEnd), 16);
      const dataEnd = lineEnd + 2 + size;
      if (bytes.length < dataEnd + 2) return undefined;
      if (size === 0) return { status, body: Buffer.concat(chunks).toString('utf8'), consumed: dataEnd + 2, close };
      chunks.push(bytes.subarray(lineEnd + 2, dataEnd));
      at = dataEnd + 2;
    }
  }
  throw new Error(`a response without Content-Length or chunked encoding: ${head.slice(0, 200)}`);
}

export class BenchClient {
  private readonly host: string;
  private readonly port: number;
  private readonly hostHeader: string;
  private readonly idle: Connection[] = [];
  private readonly waiting: (() => void)[] = [];
  private open = 0;

  constructor(
    url: string,
    private readonly connections: number,
  ) {
    const parsed = new URL(url);
    this.host = parsed.hostname;
    this.port = Number(parsed.port);
    this.hostHeader = `Host: ${parsed.host}\r\n`;
  }

  async call(operation: string, body: unknown): Promise<BenchResponse> {
    const payload = JSON.stringify(body);
    const request = `POST / HTTP/1.1\r\n${this.hostHeader}${FIXED_HEADERS}X-Amz-Target: DynamoDB_20120810.${operation}\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`;
    const connection = await this.connection();
    try {
      return await new Promise<BenchResponse>((resolve, reject) => connection.send(request, { resolve, reject }));
    } finally {
      this.release(connection);
    }
  }

  close(): void {
    for (const connection of this.idle.splice(0)) connection.destroy();
  }

  private async connection(): Promise<Connection> {
    for (;;) {
      const idle = this.idle.pop();
      if (idle && !idle.closed) return idle;
      if (idle) continue;
      if (this.open < this.connections) {
        this.open++;
        return new Connection(this.port, this.host, () => this.open--);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private release(connection: Connection): void {
    if (!connection.closed) this.idle.push(connection);
    this.waiting.shift()?.();
  }
}
