import type { Model, Operation } from './history.js';

/**
 * A key-value register: get, put and compare-and-set per key, partitioned by key (keys are
 * independent, so each is checked alone, which keeps the search small).
 */
export type KvInput =
  | { op: 'get'; key: string }
  | { op: 'put'; key: string; value: string }
  | { op: 'cas'; key: string; expected: string | undefined; value: string };

/** get: the value read (undefined: absent); put: nothing; cas: whether it swapped. */
export type KvOutput = { value: string | undefined } | { ok: boolean } | Record<string, never>;

const ABSENT = '\u0000absent';

export const kvModel: Model<string, KvInput, KvOutput> = {
  init: () => ABSENT,
  step(state, input, output) {
    const current = state === ABSENT ? undefined : state;
    switch (input.op) {
      case 'get':
        return { ok: output === undefined || (output as { value: string | undefined }).value === current, state };
      case 'put':
        return { ok: true, state: input.value };
      case 'cas': {
        const swapped = current === input.expected;
        if (output !== undefined && (output as { ok: boolean }).ok !== swapped) return { ok: false, state };
        return { ok: true, state: swapped ? input.value : state };
      }
    }
  },
  hash: (state) => state,
  partition(history) {
    const byKey = new Map<string, Operation<KvInput, KvOutput>[]>();
    for (const operation of history) {
      const list = byKey.get(operation.input.key) ?? [];
      list.push(operation);
      byKey.set(operation.input.key, list);
    }
    return [...byKey.values()];
  },
  describe(operation) {
    const { input } = operation;
    const output = operation.output === undefined ? '?' : JSON.stringify(operation.output);
    if (input.op === 'get') return `get(${input.key}) -> ${output}`;
    if (input.op === 'put') return `put(${input.key}, ${input.value})`;
    return `cas(${input.key}, ${input.expected} -> ${input.value}) -> ${output}`;
  },
};
