import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isShoalError } from '@shoal/base';
import { NotLeaderError } from '@shoal/raft';
import { GrpcTransport, RaftHost, RegisterMachine } from '@shoal/raft-host';
import { openRocksDbEngine } from '@shoal/storage-rocksdb';
import type { StorageEngine } from '@shoal/storage';

export interface RaftNodeOptions {
  node: number;
  dataDir: string;
  /** Raft transport address (gRPC), e.g. 127.0.0.1:0. */
  raftListen: string;
  /** Client API port on 127.0.0.1 (0: any free port). */
  clientPort: number;
  groups: number;
  voters: number[];
}

/**
 * A standalone Raft storage node: a multi-Raft host over RocksDB and gRPC, hosting `groups`
 * register groups, with a small HTTP client API so that tests can drive real processes:
 *   POST /peers    {"1": "127.0.0.1:7001", ...}  set the other nodes' gRPC addresses
 *   POST /put      {"group": 1, "key": "k", "value": "v"}  -> 200 {"index"}; 421 {"leader"} on a follower
 *   GET  /get?group=1&key=k  linearizable (ReadIndex) -> 200 {"value"}
 *   GET  /dump?group=1       this replica's applied state, no read barrier -> {"applied", "values"}
 *   GET  /status             per group: role, leader, term, commit, applied
 */
export class RaftStorageNode {
  private constructor(
    private readonly host: RaftHost,
    private readonly engine: StorageEngine,
    private readonly transport: GrpcTransport,
    private readonly http: Server,
    private readonly machines: Map<number, RegisterMachine>,
  ) {}

  static async start(options: RaftNodeOptions): Promise<RaftStorageNode> {
    const engine = await openRocksDbEngine(options.dataDir);
    const transport = await GrpcTransport.start({ node: options.node, listen: options.raftListen, peers: new Map() });
    const host = new RaftHost({ node: options.node, engine, transport });
    const machines = new Map<number, RegisterMachine>();
    for (let group = 1; group <= options.groups; group++) {
      const machine = new RegisterMachine();
      machines.set(group, machine);
      await host.addGroup(group, { voters: options.voters, learners: [] }, machine);
    }
    const http = createServer();
    const node = new RaftStorageNode(host, engine, transport, http, machines);
    http.on('request', (request, response) => void node.handle(request, response));
    await new Promise<void>((resolve) => http.listen(options.clientPort, '127.0.0.1', resolve));
    return node;
  }

  get raftPort(): number {
    return this.transport.port;
  }

  get clientPort(): number {
    return (this.http.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    await this.host.close();
    await this.engine.close();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    try {
      const body = request.method === 'POST' ? JSON.parse(await readBody(request)) : undefined;
      switch (`${request.method} ${url.pathname}`) {
        case 'POST /peers':
          for (const [node, address] of Object.entries(body as Record<string, string>)) this.transport.setPeer(Number(node), address);
          return reply(200, {});
        case 'POST /put': {
          const { group, key, value } = body as { group: number; key: string; value: string };
          const index = await this.host.propose(group, RegisterMachine.command(key, value));
          return reply(200, { index });
        }
        case 'GET /get': {
          const group = Number(url.searchParams.get('group'));
          await this.host.linearizableRead(group);
          return reply(200, { value: this.machine(group).values.get(url.searchParams.get('key') ?? '') ?? null });
        }
        case 'GET /dump': {
          const group = Number(url.searchParams.get('group'));
          return reply(200, { applied: this.host.raft(group).log.applied, values: Object.fromEntries(this.machine(group).values) });
        }
        case 'GET /status':
          return reply(200, {
            node: this.host.node,
            groups: [...this.machines.keys()].map((group) => {
              const raft = this.host.raft(group);
              return { group, role: raft.role, leader: raft.leader, term: raft.term, commit: raft.log.committed, applied: raft.log.applied };
            }),
          });
        default:
          return reply(404, { error: 'not found' });
      }
    } catch (error) {
      if (error instanceof NotLeaderError) return reply(421, { error: error.message, leader: error.leader });
      if (isShoalError(error)) return reply(503, { error: error.message, code: error.code, fault: error.fault });
      return reply(400, { error: error instanceof Error ? error.message : String(error) });
    }
  }

  private machine(group: number): RegisterMachine {
    const machine = this.machines.get(group);
    if (!machine) throw new Error(`no group ${group}`);
    return machine;
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}
