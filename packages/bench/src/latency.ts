/** Latency samples in microseconds, with percentiles by sorting (runs are bounded in length). */
export class LatencyRecorder {
  private samples: number[] = [];

  record(microseconds: number): void {
    this.samples.push(microseconds);
  }

  get count(): number {
    return this.samples.length;
  }

  percentile(p: number): number {
    if (this.samples.length === 0) return 0;
    const sorted = Float64Array.from(this.samples).sort();
    const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[index] as number;
  }
}
