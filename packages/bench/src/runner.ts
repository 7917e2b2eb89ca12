import { SeededRandom } from '@shoal/base';
import { BenchClient } from './client.js';
import { LatencyRecorder } from './latency.js';
import { processCpuMicros, type ServerUnderTest } from './processes.js';
import { RANGE_TABLE_NAME, rangeRecord, record, TABLE_NAME, type Workload } from './workloads.js';
import { ScrambledZipfian } from './zipfian.js';

export interface CellResult {
  target: string;
  workload: string;
  concurrency: number;
  ops: number;
  errors: number;
  opsPerSecond: number;
  p50Micros: number;
  p99Micros: number;
  serverCpuMicrosPerOp: number;
  clientCpuMicrosPerOp: number;
}

const LOAD_CONCURRENCY = 32;

export async function createTables(server: ServerUnderTest): Promise<void> {
  const client = new BenchClient(server.url, 1);
  const tables = [
    { TableName: TABLE_NAME, keys: [['key', 'S', 'HASH']] },
    { TableName: RANGE_TABLE_NAME, keys: [['key', 'S', 'HASH'], ['seq', 'N', 'RANGE']] },
  ];
  for (const { TableName, keys } of tables) {
    const created = await client.call('CreateTable', {
      TableName,
      AttributeDefinitions: keys.map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
      KeySchema: keys.map(([AttributeName, , KeyType]) => ({ AttributeName, KeyType })),
      BillingMode: 'PAY_PER_REQUEST',
    });
    if (created.status !== 200) throw new Error(`CreateTable on ${server.name}: ${created.body}`);
    for (let attempt = 0; ; attempt++) {
      const described = await client.call('DescribeTable', { TableName });
      if (JSON.parse(described.body).Table?.TableStatus === 'ACTIVE') break;
      if (attempt > 600) throw new Error(`${TableName} never became ACTIVE on ${server.name}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  client.close();
}

export async function loadRecords(server: ServerUnderTest, records: number, seed: number): Promise<void> {
  const client = new BenchClient(server.url, LOAD_CONCURRENCY);
  const random = new SeededRandom(seed);
  let next = 0;
  const worker = async () => {
    while (next < 2 * records) {
      const index = next++;
      const body = index < records
        ? { TableName: TABLE_NAME, Item: record(index, random) }
        : { TableName: RANGE_TABLE_NAME, Item: rangeRecord(index - records, random) };
      const response = await client.call('PutItem', body);
      if (response.status !== 200) throw new Error(`load failed on ${server.name}: ${response.body}`);
    }
  };
  await Promise.all(Array.from({ length: LOAD_CONCURRENCY }, worker));
  client.close();
}

/** A closed loop of `concurrency` clients for `durationMs`; CPU is read around the run. */
export async function runCell(
  server: ServerUnderTest,
  workload: Workload,
  concurrency: number,
  durationMs: number,
  records: number,
  seed: number,
): Promise<CellResult> {
  const client = new BenchClient(server.url, concurrency);
  const random = new SeededRandom(seed);
  const keys = new ScrambledZipfian(records, random);
  const latencies = new LatencyRecorder();
  let errors = 0;
  let firstError: string | undefined;
  // Warm the connections so that socket setup is not measured.
  await Promise.all(Array.from({ length: concurrency }, () => client.call('DescribeTable', { TableName: TABLE_NAME })));

  const serverCpuBefore = processCpuMicros(server.pid);
  const clientCpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const [operation, body] = workload.next({ random, keys });
      const sent = process.hrtime.bigint();
      const response = await client.call(operation, body);
      latencies.record(Number(process.hrtime.bigint() - sent) / 1000);
      if (response.status !== 200) {
        errors++;
        firstError ??= `${operation} ${response.status} ${response.body.slice(0, 200)}`;
      } else if (operation === 'GetItem' && !response.body.includes('"Item"')) {
        // Every key read was loaded: a read that finds nothing is a wrong answer, and a cheap one.
        errors++;
        firstError ??= `GetItem found no item: ${JSON.stringify(body).slice(0, 200)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - started;
  const serverCpu = processCpuMicros(server.pid) - serverCpuBefore;
  const clientCpu = process.cpuUsage(clientCpuBefore);
  client.close();
  if (firstError) console.error(`  ${server.name} ${workload.name} c=${concurrency}: ${errors} errors, first: ${firstError}`);
  const ops = latencies.count;
  return {
    target: server.name,
    workload: workload.name,
    concurrency,
    ops,
    errors,
    opsPerSecond: (ops * 1000) / elapsedMs,
    p50Micros: latencies.percentile(50),
    p99Micros: latencies.percentile(99),
    serverCpuMicrosPerOp: serverCpu / ops,
    clientCpuMicrosPerOp: (clientCpu.user + clientCpu.system) / ops,
  };
}
