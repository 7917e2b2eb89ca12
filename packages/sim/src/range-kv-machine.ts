import type { KvInput, KvOutput } from '@shoal/linearizability';
import { tokenOf } from './cluster-map.js';
import { KvStateMachine } from './kv-state-machine.js';

/**
 * A partition replica's state machine in the cluster simulation: the key-value register plus the
 * RANGE DESCRIPTOR, the tokens the replica owns. The descriptor is replicated state (it changes
 * only through log entries and travels in snapshots), so every replica of a group agrees on
 * which commands it refused. A split drives it through freeze, load and finish entries.
 */
export interface RangeDescriptor {
  start: number;
  end: number;
  /** Set by a split's freeze: writes to tokens >= frozenFrom are refused (reads are still served). */
  frozenFrom?: number;
}

export type RangeCommand =
  | { kind: 'kv'; client: number; op: number; input: KvInput }
  /** Split step 1: stop writes to [at, end) so that the copy taken next is final. */
  | { kind: 'freeze'; at: number }
  /** Split step 3, on the child: its range and the parent's data in it (a no-op once it has a range). */
  | { kind: 'load'; range: { start: number; end: number }; entries: [string, string][] }
  /** Split step 5, on the parent: shrink to [start, at) and drop the keys that moved to the child. */
  | { kind: 'finish'; at: number };

/** A command on a key the replica does not serve: it had no effect, and the router refreshes its map. */
export const WRONG_RANGE = 'wrongRange';
export type RangeOutput = KvOutput | typeof WRONG_RANGE;

export function encodeCommand(command: RangeCommand): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(command));
}

export function decodeCommand(data: Uint8Array): RangeCommand {
  return JSON.parse(new TextDecoder().decode(data)) as RangeCommand;
}

export class RangeKvMachine {
  private constructor(
    /** Unset on a child created by a split until its load applies: it serves nothing before. */
    public descriptor: RangeDescriptor | undefined,
    private readonly kv: KvStateMachine,
  ) {}

  static empty(descriptor: RangeDescriptor | undefined): RangeKvMachine {
    return new RangeKvMachine(descriptor && { ...descriptor }, new KvStateMachine());
  }

  /** Applies a committed command; key-value commands return their output, the split's steps nothing. */
  apply(command: RangeCommand): RangeOutput | undefined {
    switch (command.kind) {
      case 'kv':
        return this.serves(command.input.key, command.input.op !== 'get') ? this.kv.apply(command.input) : WRONG_RANGE;
      case 'freeze':
        if (this.descriptor && this.owns(command.at) && this.descriptor.start < command.at && this.descriptor.frozenFrom === undefined) this.descriptor.frozenFrom = command.at;
        return undefined;
      case 'load':
        if (this.descriptor) return undefined; // loaded already (a retried load)
        this.descriptor = { ...command.range };
        for (const [key, value] of command.entries) this.kv.apply({ op: 'put', key, value });
        return undefined;
      case 'finish':
        if (!this.descriptor || !this.owns(command.at) || this.descriptor.start >= command.at) return undefined; // finished already
        this.descriptor = { start: this.descriptor.start, end: command.at };
        for (const [key] of this.kv.entries()) if (tokenOf(key) >= command.at) this.kv.delete(key);
        return undefined;
    }
  }

  /** Whether a read (or a write) of `key` is this replica's to serve: in range, and for writes below a freeze. */
  serves(key: string, write: boolean): boolean {
    const token = tokenOf(key);
    if (!this.descriptor || !this.owns(token)) return false;
    return !write || this.descriptor.frozenFrom === undefined || token < this.descriptor.frozenFrom;
  }

  read(key: string): string | undefined {
    return this.kv.read(key);
  }

  /** The keys and values whose tokens are in [start, end). */
  entriesIn(start: number, end: number): [string, string][] {
    return this.kv.entries().filter(([key]) => start <= tokenOf(key) && tokenOf(key) < end);
  }

  keys(): string[] {
    return this.kv.entries().map(([key]) => key);
  }

  /** Snapshots carry the descriptor with the data: a replica installed from one must refuse what its group refuses. */
  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify({ descriptor: this.descriptor, entries: this.kv.entries() }));
  }

  static restore(data: Uint8Array): RangeKvMachine {
    const { descriptor, entries } = JSON.parse(new TextDecoder().decode(data)) as { descriptor?: RangeDescriptor; entries: [string, string][] };
    return new RangeKvMachine(descriptor, KvStateMachine.of(entries));
  }

  private owns(token: number): boolean {
    return this.descriptor !== undefined && this.descriptor.start <= token && token < this.descriptor.end;
  }
}
