import type { Partition } from '@shoal/placement';
import { recoverSplits, splitPartition, type SplitControl, type SplitResult } from './partition-split.js';
import type { Router } from './router.js';

/** When a partition splits (DynamoDB splits at 10 GB, or past 1000 write units a second). */
export interface SplitPolicy {
  /** Bytes of items in one partition (0: never split by size). */
  maxBytes: number;
  /** Writes per second routed to one partition over the last interval (0: never split by load). */
  maxWritesPerSecond: number;
  /** How often partitions are measured. */
  intervalMs: number;
}

export const DYNAMODB_SPLIT_POLICY: SplitPolicy = { maxBytes: 10 * 1024 ** 3, maxWritesPerSecond: 0, intervalMs: 10_000 };

/**
 * Watches the partitions of a router's map and splits those past the policy's thresholds, one
 * at a time: size from the leaders' statistics, load from the writes this router routed.
 */
export class SplitController {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<unknown> | undefined;
  private measuredAt = Date.now();
  private recovered = false;

  constructor(
    private readonly router: Router,
    private readonly control: SplitControl,
    /** The numbers of every table (partition sizes are summed over them). */
    private readonly tableNumbers: () => Promise<number[]>,
    private readonly policy: SplitPolicy,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Starts watching: first finishes or undoes the splits a stop interrupted (retried until done), then checks every interval. */
  start(): void {
    this.router.countWrites();
    this.measuredAt = Date.now();
    const run = () => {
      this.running ??= (this.recovered ? this.checkOnce() : this.recover())
        .catch((error: unknown) => this.log(`split check failed: ${String((error as Error)?.message ?? error)}`))
        .finally(() => (this.running = undefined));
    };
    run();
    this.timer = setInterval(run, this.policy.intervalMs);
    this.timer.unref?.();
  }

  private async recover(): Promise<void> {
    for (const line of await recoverSplits(this.router, this.control.partitionKeyOf)) this.log(line);
    this.recovered = true;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Measures every partition once and splits the first one past a threshold; returns the split, if any. */
  async checkOnce(): Promise<SplitResult | undefined> {
    const now = Date.now();
    const seconds = Math.max((now - this.measuredAt) / 1000, 0.001);
    const writes = this.router.takeWriteCounts();
    this.measuredAt = now;
    for (const partition of this.router.map.partitions) {
      const reason = await this.reasonToSplit(partition, (writes.get(partition.id) ?? 0) / seconds);
      if (!reason) continue;
      const result = await splitPartition(this.router, this.control, partition.id);
      this.log(`split partition ${partition.id} (${reason}) at token ${result.child.start}: partition ${result.child.id} took ${result.copied} records (map version ${result.map.version})`);
      return result;
    }
    return undefined;
  }

  private async reasonToSplit(partition: Partition, writesPerSecond: number): Promise<string | undefined> {
    if (this.policy.maxWritesPerSecond > 0 && writesPerSecond > this.policy.maxWritesPerSecond) return `${Math.round(writesPerSecond)} writes/s`;
    if (this.policy.maxBytes <= 0) return undefined;
    let bytes = 0;
    for (const tableNumber of await this.tableNumbers()) {
      bytes += (await this.router.withLeader(partition.id, undefined, (replica) => replica.statistics(tableNumber))).sizeBytes;
    }
    return bytes > this.policy.maxBytes ? `${bytes} bytes` : undefined;
  }
}
