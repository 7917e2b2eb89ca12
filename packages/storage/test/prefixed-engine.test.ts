import { describe, expect, it } from 'vitest';
import { MemoryEngine, PrefixedEngine } from '@shoal/storage';
import { describeStorageCompliance } from '@shoal/storage/compliance';

describeStorageCompliance('prefixed keyspace', async () => new PrefixedEngine(new MemoryEngine(), Uint8Array.of(0x40, 0, 0, 0, 7)), { persistent: false });
describeStorageCompliance('prefixed keyspace inside a prefixed keyspace', async () => new PrefixedEngine(new PrefixedEngine(new MemoryEngine(), Uint8Array.of(0x60, 0, 1)), Uint8Array.of(0x40, 0xff)), { persistent: false });

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

  it('inside another keyspace, reads the innermost engine directly and writes through the outer keyspace', async () => {
    const shared = new MemoryEngine();
    const reads: string[] = [];
    const writes: number[][] = [];
    // Records which engine each call reaches.
    const spy = new Proxy(shared, {
      get(target, name, receiver) {
        const member = Reflect.get(target, name, receiver);
        if (typeof member !== 'function') return member;
        return (...args: unknown[]) => {
          if (name === 'write') writes.push(...(args[0] as { key: Uint8Array }[]).map((op) => [...op.key]));
          else reads.push(String(name));
          return member.apply(target, args);
        };
      },
    });
    const node = new PrefixedEngine(spy, Uint8Array.of(0x60, 3));
    const partition = new PrefixedEngine(node, Uint8Array.of(0x40, 0xff));
    // Reads of the partition's keyspace skip the node's layer.
    for (const name of ['get', 'getSync', 'getMany', 'iterate'] as const) {
      const own = node[name].bind(node) as (...args: unknown[]) => unknown;
      Object.assign(node, { [name]: (...args: unknown[]) => (reads.push(`node.${name}`), own(...args)) });
    }
    await partition.write([{ type: 'put', key: Uint8Array.of(9), value: Uint8Array.of(1) }], { sync: false });
    await node.write([{ type: 'put', key: Uint8Array.of(0x41), value: Uint8Array.of(2) }], { sync: false });
    expect(writes).toEqual([
      [0x60, 3, 0x40, 0xff, 9],
      [0x60, 3, 0x41],
    ]);
    expect(partition.getSync(Uint8Array.of(9))).toEqual(Uint8Array.of(1));
    const seen: number[][] = [];
    for await (const [key] of partition.iterate({})) seen.push([...key]);
    // The node's own key just past the partition's range is not the partition's.
    expect(seen).toEqual([[9]]);
    expect(reads).toEqual(['getSync', 'iterate']);
    // Keys that the outer keyspace's writes take, as the Raft host writes a replica's changes.
    expect(partition.outerOps([{ type: 'del', key: Uint8Array.of(9) }])).toEqual([{ type: 'del', key: Buffer.of(0x40, 0xff, 9) }]);
    expect(partition.outerRange()).toEqual({ gte: Uint8Array.of(0x40, 0xff), lt: Uint8Array.of(0x41) });
  });
});
