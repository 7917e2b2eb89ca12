import type { Random } from '@shoal/base';

/**
 * YCSB's zipfian generator (Gray et al., "Quickly generating billion-record synthetic
 * databases"), constant 0.99, with YCSB's scrambling so that popular keys are spread over the
 * key space rather than clustered at its start.
 */
export const ZIPFIAN_CONSTANT = 0.99;

export class ScrambledZipfian {
  private readonly alpha: number;
  private readonly zetan: number;
  private readonly eta: number;
  private readonly theta = ZIPFIAN_CONSTANT;

  constructor(
    private readonly items: number,
    private readonly random: Random,
  ) {
    const zeta2 = zeta(2, this.theta);
    this.alpha = 1 / (1 - this.theta);
    this.zetan = zeta(items, this.theta);
    this.eta = (1 - Math.pow(2 / items, 1 - this.theta)) / (1 - zeta2 / this.zetan);
  }

  /** A key index in [0, items). */
  next(): number {
    const u = this.random.next();
    const uz = u * this.zetan;
    let rank: number;
    if (uz < 1) rank = 0;
    else if (uz < 1 + Math.pow(0.5, this.theta)) rank = 1;
    else rank = Math.floor(this.items * Math.pow(this.eta * u - this.eta + 1, this.alpha));
    return fnv1a64(rank) % this.items;
  }
}

function zeta(n: number, theta: number): number {
  let sum = 0;
  for (let i = 1; i <= n; i++) sum += 1 / Math.pow(i, theta);
  return sum;
}

/** FNV-1a over the rank's 8 bytes, folded to a safe integer: YCSB's scrambling hash. */
function fnv1a64(value: number): number {
  let hash = 0xcbf29ce484222325n;
  let remaining = BigInt(value);
  for (let i = 0; i < 8; i++) {
    hash ^= remaining & 0xffn;
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
    remaining >>= 8n;
  }
  return Number(hash % 0x1fffffffffffffn);
}
