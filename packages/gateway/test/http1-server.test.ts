import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '@shoal/base';
import { Http1Server, type HttpRequest } from '../src/http1/server.js';

/**
 * The gateway's HTTP/1.1 server over real sockets: framing, pipelining, interim responses,
 * limits, and what it refuses. The handler echoes what it was given, so every test can assert
 * exactly what the server parsed.
 */
const BODY_BYTES_MAX = 1024;
let server: Http1Server;
let port: number;

function echo(request: HttpRequest): string {
  return JSON.stringify({ method: request.method, target: request.target, target_header: request.headers.get('x-test') ?? null, body: request.body.toString() });
}

beforeAll(async () => {
  server = new Http1Server(
    async (request) => {
      // One request asks for a slow answer, so pipelined requests queue behind it.
      if (request.headers.get('x-delay')) await new Promise((resolve) => setTimeout(resolve, Number(request.headers.get('x-delay'))));
      return { status: 200, headers: [['Content-Type', 'application/json']], body: Buffer.from(echo(request)) };
    },
    { bodyBytesMax: BODY_BYTES_MAX, headBytesMax: 2048 },
  );
  port = await server.listen(0, '127.0.0.1');
});

afterAll(async () => {
  await server.close();
});

interface ParsedResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** Parses whole responses from the front of `text`; returns them and the unparsed rest. */
function parseResponses(text: string): { responses: ParsedResponse[]; rest: string } {
  const responses: ParsedResponse[] = [];
  for (;;) {
    const end = text.indexOf('\r\n\r\n');
    if (end < 0) return { responses, rest: text };
    const [statusLine, ...fields] = text.slice(0, end).split('\r\n');
    const headers = new Map(fields.map((field) => [field.slice(0, field.indexOf(':')).toLowerCase(), field.slice(field.indexOf(':') + 1).trim()]));
    const status = Number(statusLine!.split(' ')[1]);
    const length = status === 100 ? 0 : Number(headers.get('content-length'));
    if (text.length < end + 4 + length) return { responses, rest: text };
    responses.push({ status, headers, body: text.slice(end + 4, end + 4 + length) });
    text = text.slice(end + 4 + length);
  }
}

/** Opens a connection, sends `pieces` in order, and collects responses until `count` arrived or the server closed. */
async function exchange(pieces: (string | Buffer)[], count: number, options: { halfClose?: boolean } = {}): Promise<{ responses: ParsedResponse[]; raw: string; closed: boolean; socket: Socket }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let received = '';
  let closed = false;
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out; received ${JSON.stringify(received)}`)), 10_000);
    const check = () => {
      if (closed || parseResponses(received).responses.length >= count) {
        clearTimeout(timer);
        resolve();
      }
    };
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      check();
    });
    socket.on('close', () => {
      closed = true;
      check();
    });
    socket.on('error', () => {});
  });
  for (const piece of pieces) {
    socket.write(piece);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (options.halfClose) socket.end();
  await done;
  return { responses: parseResponses(received).responses, raw: received, closed, socket };
}

const post = (body: string, extra = '') => `POST /x HTTP/1.1\r\nHost: t\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('Http1Server', () => {
  it('answers a request with its body, length, date and keep-alive', async () => {
    const { responses, socket } = await exchange([post('{"a":1}', 'X-Test: yes\r\n')], 1);
    socket.destroy();
    expect(responses).toHaveLength(1);
    const [response] = responses;
    expect(response!.status).toBe(200);
    expect(JSON.parse(response!.body)).toEqual({ method: 'POST', target: '/x', target_header: 'yes', body: '{"a":1}' });
    expect(response!.headers.get('content-length')).toBe(String(Buffer.byteLength(response!.body)));
    expect(response!.headers.get('connection')).toBe('keep-alive');
    expect(response!.headers.get('content-type')).toBe('application/json');
    expect(Number.isNaN(Date.parse(response!.headers.get('date')!))).toBe(false);
  });

  it('answers pipelined requests in order, even when the first is slow', async () => {
    const { responses, socket } = await exchange([post('first', 'X-Delay: 50\r\n') + post('second') + post('third')], 3);
    socket.destroy();
    expect(responses.map((response) => JSON.parse(response.body).body)).toEqual(['first', 'second', 'third']);
  });

  it('reassembles heads and bodies split across packets', async () => {
    const request = post('{"split":"body"}', 'X-Test: split\r\n');
    const pieces = Array.from({ length: Math.ceil(request.length / 7) }, (_, i) => request.slice(i * 7, i * 7 + 7));
    const { responses, socket } = await exchange(pieces, 1);
    socket.destroy();
    expect(JSON.parse(responses[0]!.body)).toMatchObject({ target_header: 'split', body: '{"split":"body"}' });
  });

  it('decodes a chunked body', async () => {
    const chunked = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3;x=y\r\nefg\r\n0\r\n\r\n';
    const { responses, socket } = await exchange([chunked, post('after')], 2);
    socket.destroy();
    expect(responses.map((response) => JSON.parse(response.body).body)).toEqual(['abcdefg', 'after']);
  });

  it('sends 100 Continue before reading a body the client holds back', async () => {
    const head = 'POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n';
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.write(head);
    await waitFor(() => received.includes('\r\n\r\n'));
    expect(received).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    socket.write('body');
    await waitFor(() => parseResponses(received).responses.length === 2);
    expect(JSON.parse(parseResponses(received).responses[1]!.body).body).toBe('body');
    socket.destroy();
  });

  it('closes after answering an HTTP/1.0 request without keep-alive, and after Connection: close', async () => {
    const old = await exchange(['GET / HTTP/1.0\r\n\r\n'], 2);
    expect(old.closed).toBe(true);
    expect(old.responses.map((response) => [response.status, response.headers.get('connection')])).toEqual([[200, 'close']]);
    const closing = await exchange([post('x', 'Connection: close\r\n') + post('never answered')], 3);
    expect(closing.closed).toBe(true);
    expect(closing.responses.map((response) => JSON.parse(response.body).body)).toEqual(['x']);
  });

  it('answers every request a half-closed client sent, then closes', async () => {
    const { responses, closed } = await exchange([post('one', 'X-Delay: 20\r\n') + post('two')], 3, { halfClose: true });
    expect(closed).toBe(true);
    expect(responses.map((response) => [JSON.parse(response.body).body, response.headers.get('connection')])).toEqual([
      ['one', 'keep-alive'],
      ['two', 'close'],
    ]);
  });

  it('answers HEAD without a body', async () => {
    const { raw, closed } = await exchange(['HEAD / HTTP/1.1\r\n\r\n'], 2, { halfClose: true });
    expect(closed).toBe(true);
    const [head, body] = raw.split('\r\n\r\n');
    expect(head!.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    // Content-Length describes the body a GET would get; none follows.
    expect(Number(/Content-Length: (\d+)/.exec(head!)![1])).toBeGreaterThan(0);
    expect(body).toBe('');
  });

  it.each([
    ['a head past the limit', `GET / HTTP/1.1\r\nX: ${'a'.repeat(3000)}\r\n\r\n`, 431],
    ['an unterminated head past the limit', `GET / HTTP/1.1\r\nX: ${'a'.repeat(3000)}`, 431],
    ['a declared body past the limit', 'POST / HTTP/1.1\r\nContent-Length: 1025\r\n\r\n', 413],
    ['a chunked body past the limit', `POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n${'b'.repeat(2048)}\r\n0\r\n\r\n`, 413],
    ['a malformed request line', 'GET /\r\n\r\n', 400],
    ['a malformed chunk', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n', 400],
    ['an unknown transfer coding', 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', 501],
    ['HTTP/2.0', 'GET / HTTP/2.0\r\n\r\n', 505],
  ])('refuses %s with %i and closes', async (_name, request, status) => {
    const { responses, closed } = await exchange([request], 2);
    expect(closed).toBe(true);
    expect(responses.map((response) => [response.status, response.headers.get('connection')])).toEqual([[status, 'close']]);
  });

  it('answers 408 to a request whose head or body trickles in past its deadline, and leaves idle connections be', async () => {
    const slow = new Http1Server(async () => ({ status: 200, headers: [], body: Buffer.from('ok') }), { bodyBytesMax: 1024, headTimeoutMs: 100, requestTimeoutMs: 400 });
    const slowPort = await slow.listen(0, '127.0.0.1');
    try {
      const timedOut = async (pieces: string[]) => {
        const socket = connect(slowPort, '127.0.0.1');
        let received = '';
        let closed = false;
        socket.on('data', (chunk) => (received += chunk.toString('latin1')));
        socket.on('close', () => (closed = true));
        socket.on('error', () => {});
        const started = Date.now();
        // Keep trickling bytes (each resets the idle timeout) until the server gives up.
        for (let i = 0; !closed && Date.now() - started < 5_000; i++) {
          socket.write(pieces[Math.min(i, pieces.length - 1)]!);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return { received, closed, elapsed: Date.now() - started };
      };
      const head = await timedOut(['POST / HTTP/1.1\r\n', 'X-Slow: a\r\n']);
      expect(head.closed).toBe(true);
      expect(head.received.startsWith('HTTP/1.1 408 Request Timeout\r\n')).toBe(true);
      expect(head.elapsed).toBeLessThan(2_000);
      const body = await timedOut(['POST / HTTP/1.1\r\nContent-Length: 1000\r\n\r\n', 'b']);
      expect(body.closed).toBe(true);
      expect(body.received.startsWith('HTTP/1.1 408 Request Timeout\r\n')).toBe(true);
      expect(body.elapsed).toBeGreaterThanOrEqual(400);

      // An idle keep-alive connection between requests is not a stalled request.
      const idle = connect(slowPort, '127.0.0.1');
      let answers = '';
      idle.on('data', (chunk) => (answers += chunk.toString('latin1')));
      idle.write('GET / HTTP/1.1\r\n\r\n');
      await waitFor(() => answers.includes('ok'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      idle.write('GET / HTTP/1.1\r\n\r\n');
      await waitFor(() => answers.split('HTTP/1.1 200').length === 3);
      idle.destroy();
    } finally {
      await slow.close();
    }
  });

  it('survives random and mutated bytes, and still serves afterwards', async () => {
    const seed = Number(process.env.SHOAL_FUZZ_SEED ?? 20261130);
    const random = new SeededRandom(seed);
    const templates = [post('{"TableName":"t"}', 'X-Test: a\r\n'), 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'];
    const alphabet = ['\r', '\n', '\r\n', ' ', ':', '\u0000', '0', 'f', ';', 'Content-Length: 3\r\n', 'Transfer-Encoding: chunked\r\n', '\u00ff'];
    for (let round = 0; round < 300; round++) {
      let text = templates[random.int(templates.length)]!.repeat(1 + random.int(2));
      for (let edits = random.int(6); edits > 0; edits--) {
        const at = random.int(text.length + 1);
        const op = random.int(3);
        if (op === 0) text = text.slice(0, at) + text.slice(at + 1 + random.int(4));
        else if (op === 1) text = text.slice(0, at) + alphabet[random.int(alphabet.length)] + text.slice(at);
        else text = text.slice(0, at) + String.fromCharCode(random.int(256)) + text.slice(at + 1);
      }
      const { responses, socket } = await exchange([Buffer.from(text, 'latin1')], 4, { halfClose: true }).catch((error: Error) => {
        throw new Error(`seed ${seed}, round ${round}, request ${JSON.stringify(text)}: ${error.message}`);
      });
      socket.destroy();
      for (const response of responses) {
        expect([100, 200, 400, 408, 413, 431, 501, 505], `seed ${seed}, round ${round}, request ${JSON.stringify(text)}`).toContain(response.status);
      }
    }
    const { responses, socket } = await exchange([post('still here')], 1);
    socket.destroy();
    expect(JSON.parse(responses[0]!.body).body).toBe('still here');
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
