import { describe, expect, it } from 'vitest';
import { MemoryEngine, PrefixedEngine } from '@shoal/storage';
import { describeStorageCompliance } from '@shoal/storage/compliance';

describeStorageCompliance('prefixed keyspace', async () => new PrefixedEngine(new MemoryEngine(), Uint8Array.of(0x40, 0, 0, 0, 7)), { persistent: false });

describe('prefixed keyspace', () => {
  it('sees only its own keys and stores them behind its prefix', async () => {
    const shared = new MemoryEngine();
    const a = new PrefixedEngine(shared, Uint8Array.of(0x40, 1));
    const b = new PrefixedEngine(shared, Uint8Array.of(0x40, 2));
    await a.write([{ type: 'put', key: Uint8Array.of(5), value: Uint8Array.of(1) }], { sync: false });
    await b.write([{ type: 'put', key: Uint8Array.of(5), value: Uint8Array.of(2) }], { sync: false });
    await shared.write([{ type: 'put', key: Uint8Array.of(0x40, 1, 0xff, 0xff), value: Uint8Array.of(3) }], { sync: false });

    const seen: [number[], number[]][] = [];
    for await (const [key, value] of a.iterate({})) seen.push([[...key], [...value]]);
    expect(seen).toEqual([
      [[5], [1]],
      [[0xff, 0xff], [3]],
    ]);
    expect(b.getSync(Uint8Array.of(5))).toEqual(Uint8Array.of(2));
    expect(await shared.get(Uint8Array.of(0x40, 2, 5))).toEqual(Uint8Array.of(2));
    expect(a.outerRange()).toEqual({ gte: Uint8Array.of(0x40, 1), lt: Uint8Array.of(0x40, 2) });
  });
});
