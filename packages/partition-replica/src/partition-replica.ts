import { assert } from '@shoal/base';
import type { Item } from '@shoal/model';
import type { KeyShape } from '@shoal/metadata';
import { applyWrite, decodeItem, encodeItem, itemStorageKey, storageKeyName, type WriteCommand, type WriteOutcome } from '@shoal/partition';
import type { StateMachine } from '@shoal/raft-host';
import { canReadSync, type StorageEngine, type SyncReadableEngine, type WriteOp } from '@shoal/storage';

/** A write as a Raft proposal: everything apply needs, chosen before proposing. */
export interface ReplicatedWrite {
  tableNumber: number;
  shape: KeyShape;
  key: Item;
  command: WriteCommand;
}

/** Where each replica records the index its stored state reflects: APPLIED_PREFIX | group (u32 BE). */
export const APPLIED_PREFIX = 0x21;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeWrite(write: ReplicatedWrite): Uint8Array {
  return encoder.encode(JSON.stringify(write));
}

function appliedKey(group: number): Uint8Array {
  const key = new Uint8Array(5);
  key[0] = APPLIED_PREFIX;
  new DataView(key.buffer).setUint32(1, group);
  return key;
}

/**
 * One partition replica. Applying reads the current item (from writes applied this round, else
 * from the engine, synchronously: apply runs inside the host's round), runs `applyWrite`, and
 * queues the item's new bytes; `takeWrites` hands the queued writes and the applied index to the
 * host, which stores them before it answers anyone.
 */
export class PartitionReplica implements StateMachine {
  private readonly overlay = new Map<string, { key: Uint8Array; item: Item | undefined }>();
  private applied: number;

  private constructor(
    private readonly engine: SyncReadableEngine,
    private readonly group: number,
    readonly durableApplied: number,
  ) {
    this.applied = durableApplied;
  }

  static async open(engine: StorageEngine, group: number): Promise<PartitionReplica> {
    assert(canReadSync(engine), 'a partition replica needs an engine with synchronous reads');
    const bytes = await engine.get(appliedKey(group));
    const durable = bytes ? Number(decoder.decode(bytes)) : 0;
    return new PartitionReplica(engine, group, durable);
  }

  apply(data: Uint8Array, index: number): WriteOutcome {
    const write = JSON.parse(decoder.decode(data)) as ReplicatedWrite;
    const key = itemStorageKey(write.tableNumber, write.shape, write.key);
    const name = storageKeyName(key);
    const pending = this.overlay.get(name);
    const stored = pending ? undefined : this.engine.getSync(key);
    const current = pending ? pending.item : stored ? decodeItem(stored) : undefined;
    const outcome = applyWrite(write.command, current);
    if (outcome.status === 'applied' && (outcome.after !== undefined || current !== undefined)) this.overlay.set(name, { key, item: outcome.after });
    this.applied = index;
    return outcome;
  }

  takeWrites(): WriteOp[] {
    const ops: WriteOp[] = [];
    for (const { key, item } of this.overlay.values()) ops.push(item ? { type: 'put', key, value: encodeItem(item) } : { type: 'del', key });
    this.overlay.clear();
    ops.push({ type: 'put', key: appliedKey(this.group), value: encoder.encode(String(this.applied)) });
    return ops;
  }

  /** Reads an item as this replica has applied it (callers decide whether that is fresh enough). */
  getItem(tableNumber: number, shape: KeyShape, key: Item): Item | undefined {
    const storageKey = itemStorageKey(tableNumber, shape, key);
    const pending = this.overlay.get(storageKeyName(storageKey));
    if (pending) return pending.item;
    const bytes = this.engine.getSync(storageKey);
    return bytes ? decodeItem(bytes) : undefined;
  }

  snapshot(): Uint8Array {
    throw new Error('snapshots of disk-backed partitions are not implemented yet: run the host without log compaction');
  }

  restore(): void {
    throw new Error('snapshots of disk-backed partitions are not implemented yet');
  }
}
