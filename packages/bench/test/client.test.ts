import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { BenchClient, parseResponse } from '../src/client.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');

describe('the load generator client', () => {
  it('reads a response by its Content-Length, and nothing past it', () => {
    const response = bytes('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1');
    expect(parseResponse(response)).toEqual({ status: 200, body: 'hello', consumed: response.length - 8, close: false });
    expect(parseResponse(bytes('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell'))).toBeUndefined();
    expect(parseResponse(bytes('HTTP/1.1 200 OK\r\nContent-Len'))).toBeUndefined();
  });

  it('reads a chunked response, and says when the server closes', () => {
    // "abé" is four bytes of UTF-8.
    const response = Buffer.from('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nab\u00e9\r\n2\r\n{}\r\n0\r\n\r\n', 'utf8');
    expect(parseResponse(response)).toEqual({ status: 400, body: 'ab\u00e9{}', consumed: response.length, close: true });
    expect(parseResponse(response.subarray(0, response.length - 1))).toBeUndefined();
  });

  let server: Server | undefined;
  afterEach(() => server?.close());

  it('sends whole DynamoDB requests over keep-alive connections, at most `connections` of them', async () => {
    const seen: { target: string | undefined; body: string; socket: unknown }[] = [];
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({ target: request.headers['x-amz-target'] as string | undefined, body, socket: request.socket });
        response.end(JSON.stringify({ echoed: JSON.parse(body) }));
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const client = new BenchClient(`http://127.0.0.1:${port}`, 2);
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => client.call('GetItem', { Key: { id: { S: `k${i}` } } })));
    client.close();
    expect(answers).toEqual(Array.from({ length: 6 }, (_, i) => ({ status: 200, body: JSON.stringify({ echoed: { Key: { id: { S: `k${i}` } } } }) })));
    expect(seen.map((request) => request.target)).toEqual(Array(6).fill('DynamoDB_20120810.GetItem'));
    expect(new Set(seen.map((request) => request.socket)).size).toBe(2);
  });
});
