import { STATUS_CODES } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { ChunkedDecoder } from './chunked-decoder.js';
import { isHeadError, parseRequestHead, type RequestHead } from './request-head.js';

/**
 * A small HTTP/1.1 server for an API of bounded request/response exchanges: whole bodies in,
 * whole bodies out. It replaces node:http's streams (IncomingMessage, ServerResponse), which
 * cost 10-25 µs more CPU per request than this on the gateway's load (docs/decisions/0008).
 * What it implements: persistent connections (HTTP/1.1 by default, 1.0 with keep-alive),
 * pipelining (requests of one connection are answered in order, one at a time), Content-Length
 * and chunked bodies, `Expect: 100-continue`, limits on the head and the body, idle timeouts,
 * deadlines for receiving a head (60 s) and a whole request (300 s) as node:http has (408),
 * backpressure when a client stops reading, and 400/413/431/501/505 answers that close the
 * connection for what it refuses.
 */

export interface HttpRequest {
  method: string;
  target: string;
  /** Lower-cased names, repeated fields joined with ", ". */
  headers: ReadonlyMap<string, string>;
  body: Buffer;
}

export interface HttpResponse {
  status: number;
  /** Content-Length, Date and Connection are added by the server. */
  headers: readonly (readonly [string, string])[];
  body: Buffer;
}

export type HttpHandler = (request: HttpRequest) => Promise<HttpResponse>;

export interface Http1ServerOptions {
  /** Largest body accepted; a larger one is answered 413 and the connection closed. */
  bodyBytesMax: number;
  /** Largest request head (request line and fields); default 16 KiB, node:http's. */
  headBytesMax?: number;
  /** An idle connection (or one stalled mid-request) is closed after this; default 65 s. */
  idleTimeoutMs?: number;
  /** A request's head must arrive within this of its first byte, else 408; default 60 s (node:http's). */
  headTimeoutMs?: number;
  /** A whole request (head and body) must arrive within this, else 408; default 300 s (node:http's). */
  requestTimeoutMs?: number;
}

const HEAD_BYTES_MAX_DEFAULT = 16 * 1024;
const IDLE_TIMEOUT_MS_DEFAULT = 65_000;
const HEAD_TIMEOUT_MS_DEFAULT = 60_000;
const REQUEST_TIMEOUT_MS_DEFAULT = 300_000;
const HEAD_END = Buffer.from('\r\n\r\n');
const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n');

/** The Date header, recomputed at most once a second. */
let dateSecond = -1;
let dateText = '';
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

export class Http1Server {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private readonly headBytesMax: number;
  private readonly idleTimeoutMs: number;
  /** Checks stalled requests: a slow client trickling bytes never lets the idle timeout fire. */
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly handler: HttpHandler,
    private readonly options: Http1ServerOptions,
  ) {
    this.headBytesMax = options.headBytesMax ?? HEAD_BYTES_MAX_DEFAULT;
    this.idleTimeoutMs = options.idleTimeoutMs ?? IDLE_TIMEOUT_MS_DEFAULT;
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      const connection = new Connection(socket, this.handler, this.options.bodyBytesMax, this.headBytesMax, () => this.connections.delete(connection));
      this.connections.add(connection);
      socket.setTimeout(this.idleTimeoutMs);
    });
    const headTimeoutMs = options.headTimeoutMs ?? HEAD_TIMEOUT_MS_DEFAULT;
    const requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS_DEFAULT;
    this.sweeper = setInterval(
      () => {
        const now = Date.now();
        for (const connection of this.connections) connection.expire(now, headTimeoutMs, requestTimeoutMs);
      },
      Math.max(10, Math.min(1000, headTimeoutMs / 4)),
    );
    this.sweeper.unref();
  }

  /** Starts listening; resolves with the bound port. */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops accepting connections and closes every open one, idle or not. */
  close(): Promise<void> {
    clearInterval(this.sweeper);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) connection.destroy();
    return closed;
  }
}

type Phase =
  | { kind: 'head' }
  | { kind: 'body'; head: RequestHead; chunks: Buffer[]; received: number; decoder?: ChunkedDecoder }
  | { kind: 'busy' }
  | { kind: 'closed' };

class Connection {
  private phase: Phase = { kind: 'head' };
  /** Bytes received and not yet parsed (part of a head, or pipelined requests). */
  private pending: Buffer | undefined;
  private peerEnded = false;
  /** When the first byte of the request being received arrived (undefined between requests). */
  private requestStartedAt: number | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly handler: HttpHandler,
    private readonly bodyBytesMax: number,
    private readonly headBytesMax: number,
    onClose: () => void,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => {
      this.peerEnded = true;
      if (this.phase.kind !== 'busy') this.finish();
    });
    socket.on('timeout', () => {
      if (this.phase.kind !== 'busy') socket.destroy();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.phase = { kind: 'closed' };
      onClose();
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Answers 408 and closes if the request being received is past its head or request deadline. */
  expire(now: number, headTimeoutMs: number, requestTimeoutMs: number): void {
    const started = this.requestStartedAt;
    if (started === undefined) return;
    const kind = this.phase.kind;
    if ((kind === 'head' && now - started > headTimeoutMs) || (kind === 'body' && now - started > requestTimeoutMs)) {
      this.refuse(408, 'request timeout');
    }
  }

  private receive(chunk: Buffer): void {
    const phase = this.phase;
    if (phase.kind === 'closed') return;
    if (phase.kind === 'body' && this.pending === undefined) {
      this.takeBody(phase, chunk, 0);
      return;
    }
    this.pending = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    if (phase.kind === 'busy') {
      // Pipelined requests wait for the answer in progress; stop reading if they pile up.
      if (this.pending.length > this.headBytesMax) this.socket.pause();
      return;
    }
    this.parse();
  }

  /** Parses what is pending, from the head phase, until it needs more bytes or starts a request. */
  private parse(): void {
    while (this.phase.kind === 'head' && this.pending !== undefined) {
      this.requestStartedAt ??= Date.now();
      const bytes = this.pending;
      let start = 0;
      // A server should ignore empty lines before a request line (RFC 9112 §2.2).
      while (start + 1 < bytes.length && bytes[start] === 0x0d && bytes[start + 1] === 0x0a) start += 2;
      const end = bytes.indexOf(HEAD_END, start);
      if (end < 0 ? bytes.length - start > this.headBytesMax : end - start > this.headBytesMax) {
        return this.refuse(431, 'request head too large');
      }
      if (end < 0) {
        if (start > 0) this.pending = bytes.subarray(start);
        return;
      }
      const head = parseRequestHead(bytes, start, end);
      if (isHeadError(head)) return this.refuse(head.error, head.reason);
      const bodyStart = end + HEAD_END.length;
      this.pending = undefined;
      if (head.body.kind === 'length' && head.body.bytes > this.bodyBytesMax) return this.refuse(413, 'request body too large');
      if (head.expectsContinue && (head.body.kind === 'chunked' || head.body.bytes > 0)) this.socket.write(CONTINUE);
      const phase: Phase = { kind: 'body', head, chunks: [], received: 0, ...(head.body.kind === 'chunked' ? { decoder: new ChunkedDecoder() } : {}) };
      this.phase = phase;
      this.takeBody(phase, bytes, bodyStart);
    }
  }

  /** Adds body bytes from `bytes` at `offset`; dispatches the request once the body is whole. */
  private takeBody(phase: Extract<Phase, { kind: 'body' }>, bytes: Buffer, offset: number): void {
    const { head } = phase;
    if (phase.decoder) {
      const progress = phase.decoder.feed(bytes, offset);
      if (phase.decoder.length > this.bodyBytesMax) return this.refuse(413, 'request body too large');
      if (progress.kind === 'error') return this.refuse(400, progress.reason);
      if (progress.kind === 'more') return;
      const rest = offset + progress.consumed;
      this.pending = rest < bytes.length ? bytes.subarray(rest) : undefined;
      return this.dispatch(head, phase.decoder.body());
    }
    const wanted = (head.body as { bytes: number }).bytes;
    const available = bytes.length - offset;
    const take = Math.min(available, wanted - phase.received);
    if (take > 0) phase.chunks.push(offset === 0 && take === bytes.length ? bytes : bytes.subarray(offset, offset + take));
    phase.received += take;
    if (phase.received < wanted) return;
    const rest = offset + take;
    this.pending = rest < bytes.length ? bytes.subarray(rest) : undefined;
    const body = phase.chunks.length === 1 ? phase.chunks[0]! : Buffer.concat(phase.chunks, wanted);
    this.dispatch(head, body);
  }

  private dispatch(head: RequestHead, body: Buffer): void {
    this.phase = { kind: 'busy' };
    this.requestStartedAt = undefined;
    void this.answer(head, { method: head.method, target: head.target, headers: head.headers, body });
  }

  private async answer(head: RequestHead, request: HttpRequest): Promise<void> {
    let response: HttpResponse;
    try {
      response = await this.handler(request);
    } catch {
      response = { status: 500, headers: [], body: Buffer.alloc(0) };
    }
    if (this.phase.kind === 'closed') return;
    // A client that half-closed after its requests still gets an answer to each one it sent.
    const keepAlive = head.keepAlive && !(this.peerEnded && this.pending === undefined);
    const flushed = this.write(response, keepAlive, head.method === 'HEAD');
    if (!keepAlive) return this.finish();
    this.phase = { kind: 'head' };
    if (flushed) this.continueReading();
    else this.socket.once('drain', () => this.continueReading());
  }

  /** After an answer: the next pipelined request, if one is waiting, or more bytes from the socket. */
  private continueReading(): void {
    if (this.phase.kind !== 'head') return;
    if (this.socket.isPaused()) this.socket.resume();
    this.parse();
    // Nothing complete is left of what a half-closed client sent.
    if (this.peerEnded && !this.answering()) this.finish();
  }

  /** Whether a request is with the handler (`phase` changes behind TypeScript's narrowing). */
  private answering(): boolean {
    return this.phase.kind === 'busy';
  }

  /** Writes one response as a single buffer; false when the socket asks us to wait for 'drain'. */
  private write(response: HttpResponse, keepAlive: boolean, omitBody: boolean): boolean {
    let head = `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? 'Unknown'}\r\n`;
    for (const [name, value] of response.headers) head += `${name}: ${value}\r\n`;
    head += `Content-Length: ${response.body.length}\r\nDate: ${httpDate()}\r\n`;
    head += keepAlive ? 'Connection: keep-alive\r\nKeep-Alive: timeout=65\r\n\r\n' : 'Connection: close\r\n\r\n';
    const bodyLength = omitBody ? 0 : response.body.length;
    const out = Buffer.allocUnsafe(head.length + bodyLength);
    out.write(head, 0, 'latin1');
    if (bodyLength > 0) response.body.copy(out, head.length);
    return this.socket.write(out);
  }

  /** Refuses what was received so far and closes the connection after the answer. */
  private refuse(status: 400 | 408 | 413 | 431 | 501 | 505, reason: string): void {
    this.pending = undefined;
    this.requestStartedAt = undefined;
    this.phase = { kind: 'busy' };
    this.write({ status, headers: [['Content-Type', 'text/plain']], body: Buffer.from(`${reason}\n`) }, false, false);
    this.finish();
  }

  private finish(): void {
    this.phase = { kind: 'closed' };
    this.socket.end();
    // A client that keeps sending after we stop reading would hold the socket open; drop it.
    this.socket.resume();
  }
}
