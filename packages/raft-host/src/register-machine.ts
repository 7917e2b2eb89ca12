import type { StateMachine } from './host.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A key-value register state machine for tests, benchmarks and the raft-node process: a proposal
 * is `key=value` in UTF-8; applying it stores the value and returns the index it was applied at.
 */
export class RegisterMachine implements StateMachine {
  readonly values = new Map<string, string>();

  static command(key: string, value: string): Uint8Array {
    return encoder.encode(`${key}=${value}`);
  }

  apply(data: Uint8Array, index: number): number {
    const text = decoder.decode(data);
    const split = text.indexOf('=');
    this.values.set(text.slice(0, split), text.slice(split + 1));
    return index;
  }

  snapshot(): Uint8Array {
    return encoder.encode(JSON.stringify([...this.values]));
  }

  restore(data: Uint8Array): void {
    this.values.clear();
    for (const [key, value] of JSON.parse(decoder.decode(data)) as [string, string][]) this.values.set(key, value);
  }
}
