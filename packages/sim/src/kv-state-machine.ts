import type { KvInput, KvOutput } from '@shoal/linearizability';

/** The replicated key-value register the simulation runs on Raft: get, put, compare-and-set. */
export interface KvCommand {
  client: number;
  op: number;
  input: KvInput;
}

export class KvStateMachine {
  private values = new Map<string, string>();

  apply(input: KvInput): KvOutput {
    const current = this.values.get(input.key);
    switch (input.op) {
      case 'get':
        return { value: current };
      case 'put':
        this.values.set(input.key, input.value);
        return {};
      case 'cas':
        if (current !== input.expected) return { ok: false };
        this.values.set(input.key, input.value);
        return { ok: true };
    }
  }

  read(key: string): string | undefined {
    return this.values.get(key);
  }

  delete(key: string): void {
    this.values.delete(key);
  }

  /** Every key and value, in insertion order (a split copies or drops a range of them). */
  entries(): [string, string][] {
    return [...this.values];
  }

  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(this.entries()));
  }

  static restore(data: Uint8Array): KvStateMachine {
    return KvStateMachine.of(JSON.parse(new TextDecoder().decode(data)) as [string, string][]);
  }

  static of(entries: [string, string][]): KvStateMachine {
    const machine = new KvStateMachine();
    machine.values = new Map(entries);
    return machine;
  }
}
