import type { WriteOp } from '@shoal/storage';

/**
 * A write batch as a Raft entry (binary, little work to encode or decode):
 *   count (u32) then per operation: type (u8: 1 put, 2 del) | key length (u32) | key
 *   | value length (u32) | value (puts only). Integers big-endian.
 */
const PUT = 1;
const DEL = 2;

export function encodeOps(ops: readonly WriteOp[]): Uint8Array {
  let size = 4;
  for (const op of ops) size += 5 + op.key.length + (op.type === 'put' ? 4 + op.value.length : 0);
  // From Node's pool (allocUnsafe: every byte is written below): no ArrayBuffer of its own.
  const out = Buffer.allocUnsafe(size);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(0, ops.length);
  let at = 4;
  for (const op of ops) {
    out[at] = op.type === 'put' ? PUT : DEL;
    view.setUint32(at + 1, op.key.length);
    out.set(op.key, at + 5);
    at += 5 + op.key.length;
    if (op.type === 'put') {
      view.setUint32(at, op.value.length);
      out.set(op.value, at + 4);
      at += 4 + op.value.length;
    }
  }
  return out;
}

/** Decodes a batch; throws on anything that is not exactly one well-formed batch. */
export function decodeOps(data: Uint8Array): WriteOp[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const need = (at: number, bytes: number) => {
    if (at + bytes > data.length) throw new Error('truncated write batch');
  };
  need(0, 4);
  const count = view.getUint32(0);
  const ops: WriteOp[] = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    need(at, 5);
    const type = data[at];
    const keyLength = view.getUint32(at + 1);
    need(at + 5, keyLength);
    const key = data.subarray(at + 5, at + 5 + keyLength);
    at += 5 + keyLength;
    if (type === PUT) {
      need(at, 4);
      const valueLength = view.getUint32(at);
      need(at + 4, valueLength);
      ops.push({ type: 'put', key, value: data.subarray(at + 4, at + 4 + valueLength) });
      at += 4 + valueLength;
    } else if (type === DEL) {
      ops.push({ type: 'del', key });
    } else {
      throw new Error(`unknown write type ${type}`);
    }
  }
  if (at !== data.length) throw new Error('trailing bytes after a write batch');
  return ops;
}
