import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@shoal/base';
import { checkOperations, kvModel, renderHistory, type KvInput, type KvOutput, type Operation } from '@shoal/linearizability';

type Op = Operation<KvInput, KvOutput>;
const put = (clientId: number, call: number, ret: number, value: string, key = 'k'): Op => ({ clientId, input: { op: 'put', key, value }, call, return: ret, output: {} });
const get = (clientId: number, call: number, ret: number, value: string | undefined, key = 'k'): Op => ({ clientId, input: { op: 'get', key }, call, return: ret, output: { value } });
const cas = (clientId: number, call: number, ret: number, expected: string | undefined, value: string, ok: boolean): Op => ({
  clientId,
  input: { op: 'cas', key: 'k', expected, value },
  call,
  return: ret,
  output: { ok },
});
const verdict = (history: Op[]) => checkOperations(kvModel, history).result;

describe('linearizable histories', () => {
  it('accepts sequential and overlapping histories with a valid order', () => {
    expect(verdict([put(1, 0, 1, 'a'), get(2, 2, 3, 'a')])).toBe('ok');
    // The read overlaps the write, so it may see either value.
    expect(verdict([put(1, 0, 10, 'a'), get(2, 1, 2, undefined), get(3, 3, 4, 'a')])).toBe('ok');
    expect(verdict([put(1, 0, 10, 'a'), put(2, 0, 10, 'b'), get(3, 11, 12, 'b'), get(4, 13, 14, 'b')])).toBe('ok');
    expect(verdict([put(1, 0, 1, 'a'), cas(2, 2, 3, 'a', 'b', true), cas(3, 4, 5, 'a', 'c', false), get(1, 6, 7, 'b')])).toBe('ok');
  });

  it('lets an operation with an unknown outcome take effect later, or never', () => {
    const crashed: Op = { clientId: 1, input: { op: 'put', key: 'k', value: 'x' }, call: 0, return: Infinity };
    expect(verdict([crashed, get(2, 5, 6, 'x')])).toBe('ok');
    expect(verdict([crashed, get(2, 5, 6, undefined)])).toBe('ok');
    expect(verdict([crashed, get(2, 5, 6, undefined), get(2, 7, 8, 'x')])).toBe('ok');
  });
});

describe('non-linearizable histories', () => {
  it('rejects a stale read after a completed write', () => {
    expect(verdict([put(1, 0, 1, 'a'), put(1, 2, 3, 'b'), get(2, 4, 5, 'a')])).toBe('illegal');
  });

  it('rejects a read of a value never written, and a lost write', () => {
    expect(verdict([put(1, 0, 1, 'a'), get(2, 2, 3, 'z')])).toBe('illegal');
    expect(verdict([put(1, 0, 1, 'a'), get(2, 2, 3, undefined)])).toBe('illegal');
  });

  it('rejects two readers that saw concurrent writes in opposite orders', () => {
    const history = [
      put(1, 0, 10, 'a'),
      put(2, 0, 10, 'b'),
      get(3, 11, 12, 'a'),
      get(4, 13, 14, 'b'),
      get(3, 15, 16, 'a'),
    ];
    expect(verdict(history)).toBe('illegal');
  });

  it('rejects compare-and-set anomalies: two winners from the same expected value', () => {
    expect(verdict([put(1, 0, 1, 'a'), cas(2, 2, 5, 'a', 'b', true), cas(3, 2, 5, 'a', 'c', true)])).toBe('illegal');
  });

  it('rejects a value that reappears after being overwritten even if its write never returned', () => {
    const crashed: Op = { clientId: 1, input: { op: 'put', key: 'k', value: 'x' }, call: 0, return: Infinity };
    expect(verdict([crashed, get(2, 5, 6, 'x'), put(3, 7, 8, 'y'), get(2, 9, 10, 'x')])).toBe('illegal');
  });

  it('checks keys independently and reports the failing partition', () => {
    const result = checkOperations(kvModel, [put(1, 0, 1, 'a', 'x'), get(2, 2, 3, 'a', 'x'), put(1, 0, 1, 'b', 'y'), get(2, 2, 3, 'c', 'y')]);
    expect(result.result).toBe('illegal');
    if (result.result === 'illegal') expect(result.partition.every((operation) => operation.input.key === 'y')).toBe(true);
  });

  it('answers unknown instead of searching forever', () => {
    const writes = Array.from({ length: 14 }, (_, i) => put(i, 0, 100, `v${i}`));
    expect(checkOperations(kvModel, [...writes, get(99, 101, 102, 'never')], { stepsMax: 1000 }).result).toBe('unknown');
  });
});

describe('random histories from real executions', () => {
  it('accepts recorded histories and rejects them once a read is corrupted', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = new SeededRandom(seed);
      const history: Op[] = [];
      let value: string | undefined;
      let time = 0;
      for (let i = 0; i < 30; i++) {
        // Each operation takes effect at `time`; its call and return are stretched around that
        // point, so real executions produce overlapping intervals.
        const effect = (time += 1 + random.int(3)) * 10;
        const call = effect - random.int(25);
        const ret = effect + random.int(25);
        if (random.chance(0.5)) {
          value = `v${i}`;
          history.push(put(i % 4, call, ret, value));
        } else {
          history.push(get(i % 4, call, ret, value));
        }
      }
      const result = checkOperations(kvModel, history);
      expect(result.result, `seed ${seed}\n${renderHistory(kvModel, history)}`).toBe('ok');
      const reads = history.filter((operation) => operation.input.op === 'get');
      if (reads.length === 0) continue;
      const victim = reads[random.int(reads.length)] as Op;
      victim.output = { value: 'never-written' };
      expect(checkOperations(kvModel, history).result, `seed ${seed}`).toBe('illegal');
    }
  });
});
