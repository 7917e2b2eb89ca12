import type { ConfigChange, Entry, HardState, Snapshot } from '@shoal/raft';

/**
 * Binary records of the Raft log on disk (frozen format):
 *   entry:      type (1: normal, 2: no-op, 3: config) | term (f64 BE) | data (rest)
 *               config data: kind (1 addLearner, 2 promote, 3 remove) | node (u32 BE)
 *   hard state: term (f64 BE) | vote (u32 BE) | commit (f64 BE)
 *   snapshot:   index (f64 BE) | term (f64 BE) | membership length (u32 BE) | membership JSON | data
 * Terms and indexes are integers below 2^53, stored as doubles so that they decode without BigInt.
 * The entry's index is in its key, not in the record.
 */
const ENTRY_NORMAL = 1;
const ENTRY_NOOP = 2;
const ENTRY_CONFIG = 3;
const CONFIG_KINDS = ['addLearner', 'promote', 'remove'] as const;
/** Scratch space for writing doubles without a DataView per record (the hot path). */
const scratch = new DataView(new ArrayBuffer(8));

function writeFloat64(target: Uint8Array, offset: number, value: number): void {
  scratch.setFloat64(0, value);
  for (let i = 0; i < 8; i++) target[offset + i] = scratch.getUint8(i);
}

export function encodeEntry(entry: Entry): Uint8Array {
  const payload = entry.type === 'config' ? 5 : (entry.data?.length ?? 0);
  const out = Buffer.allocUnsafe(9 + payload);
  writeFloat64(out, 1, entry.term);
  if (entry.type === 'config') {
    const change = entry.config as ConfigChange;
    out[0] = ENTRY_CONFIG;
    out[9] = CONFIG_KINDS.indexOf(change.kind) + 1;
    new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(10, change.node);
  } else if (entry.data === null) {
    out[0] = ENTRY_NOOP;
  } else {
    // (allocUnsafe: every byte is written below)
    out[0] = ENTRY_NORMAL;
    out.set(entry.data, 9);
  }
  return out;
}

/** Whether an entry record holds a configuration change (without decoding it). */
export function isConfigEntryRecord(bytes: Uint8Array): boolean {
  return bytes[0] === ENTRY_CONFIG;
}

export function decodeEntry(index: number, bytes: Uint8Array): Entry {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const term = view.getFloat64(1);
  switch (bytes[0]) {
    case ENTRY_NORMAL:
      return { index, term, type: 'normal', data: Buffer.from(bytes.subarray(9)) };
    case ENTRY_NOOP:
      return { index, term, type: 'normal', data: null };
    case ENTRY_CONFIG: {
      const kind = CONFIG_KINDS[(bytes[9] as number) - 1];
      if (!kind) throw new Error(`corrupt config entry at ${index}`);
      return { index, term, type: 'config', data: null, config: { kind, node: view.getUint32(10) } };
    }
    default:
      throw new Error(`corrupt log entry at ${index}: type ${bytes[0]}`);
  }
}

export function encodeHardState(state: HardState): Uint8Array {
  const out = Buffer.allocUnsafe(20); // every byte is written below
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setFloat64(0, state.term);
  view.setUint32(8, state.vote);
  view.setFloat64(12, state.commit);
  return out;
}

export function decodeHardState(bytes: Uint8Array): HardState {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { term: view.getFloat64(0), vote: view.getUint32(8), commit: view.getFloat64(12) };
}

export function encodeSnapshot(snapshot: Snapshot): Uint8Array {
  const membership = new TextEncoder().encode(JSON.stringify(snapshot.meta.membership));
  const out = new Uint8Array(20 + membership.length + snapshot.data.length);
  const view = new DataView(out.buffer);
  view.setFloat64(0, snapshot.meta.index);
  view.setFloat64(8, snapshot.meta.term);
  view.setUint32(16, membership.length);
  out.set(membership, 20);
  out.set(snapshot.data, 20 + membership.length);
  return out;
}

export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(16);
  const membership = JSON.parse(new TextDecoder().decode(bytes.subarray(20, 20 + length)));
  return { meta: { index: view.getFloat64(0), term: view.getFloat64(8), membership }, data: new Uint8Array(bytes.subarray(20 + length)) };
}
