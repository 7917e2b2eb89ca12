import { Agent, request } from 'node:http';

/**
 * A minimal DynamoDB JSON 1.0 client over node:http for tests that need to send what the SDK
 * would refuse to (malformed JSON, wrong types) or to keep a load generator cheap.
 */
export interface RawResponse {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export const SIGNED_HEADERS = {
  'Content-Type': 'application/x-amz-json-1.0',
  Authorization:
    'AWS4-HMAC-SHA256 Credential=AKIDSHOALTEST/20261125/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000',
  'X-Amz-Date': '20261125T000000Z',
};

export class RawClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  constructor(private readonly url: string) {}

  call(operation: string, body: unknown): Promise<RawResponse> {
    return this.send(JSON.stringify(body), { ...SIGNED_HEADERS, 'X-Amz-Target': `DynamoDB_20120810.${operation}` });
  }

  send(body: string | Buffer, headers: Record<string, string>, method = 'POST'): Promise<RawResponse> {
    const url = new URL(this.url);
    return new Promise((resolve, reject) => {
      const outgoing = request(
        { host: url.hostname, port: url.port, path: '/', method, headers, agent: this.agent },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: response.headers }),
          );
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
