import type { ConfigChange, Entry, Message, MessageType, Snapshot } from '@shoal/raft';
import type { GroupMessage } from './transport.js';

/**
 * Raft messages as the objects `@grpc/proto-loader` encodes for `proto/raft.proto` (camelCase
 * fields, enums as strings, uint64 as numbers), and back. Optional fields stay absent when unset.
 */
export interface WireEntry {
  term?: number;
  index?: number;
  type?: 'NORMAL' | 'NOOP' | 'CONFIG';
  data?: Uint8Array;
  config?: { kind?: 'ADD_LEARNER' | 'PROMOTE' | 'REMOVE'; node?: number };
}

export interface WireMessage {
  type?: string;
  from?: number;
  to?: number;
  term?: number;
  logTerm?: number;
  index?: number;
  entries?: WireEntry[];
  commit?: number;
  reject?: boolean;
  rejectHint?: number;
  context?: number;
  tick?: number;
  snapshot?: { index?: number; term?: number; voters?: number[]; learners?: number[]; data?: Uint8Array };
}

export interface WireBatch {
  from?: number;
  messages?: { group?: number; message?: WireMessage }[];
}

const TYPES: Record<MessageType, string> = {
  preVote: 'PRE_VOTE',
  preVoteResponse: 'PRE_VOTE_RESPONSE',
  vote: 'VOTE',
  voteResponse: 'VOTE_RESPONSE',
  append: 'APPEND',
  appendResponse: 'APPEND_RESPONSE',
  heartbeat: 'HEARTBEAT',
  heartbeatResponse: 'HEARTBEAT_RESPONSE',
  snapshot: 'SNAPSHOT',
  timeoutNow: 'TIMEOUT_NOW',
};
const TYPES_BY_WIRE = new Map(Object.entries(TYPES).map(([type, wire]) => [wire, type as MessageType]));
const KINDS = { addLearner: 'ADD_LEARNER', promote: 'PROMOTE', remove: 'REMOVE' } as const;
const KINDS_BY_WIRE = new Map(Object.entries(KINDS).map(([kind, wire]) => [wire as string, kind as ConfigChange['kind']]));

function entryToWire(entry: Entry): WireEntry {
  if (entry.type === 'config') {
    const change = entry.config as ConfigChange;
    return { term: entry.term, index: entry.index, type: 'CONFIG', config: { kind: KINDS[change.kind], node: change.node } };
  }
  return entry.data === null ? { term: entry.term, index: entry.index, type: 'NOOP' } : { term: entry.term, index: entry.index, type: 'NORMAL', data: entry.data };
}

function entryFromWire(wire: WireEntry): Entry {
  const term = wire.term ?? 0;
  const index = wire.index ?? 0;
  if (wire.type === 'CONFIG') {
    const kind = KINDS_BY_WIRE.get(wire.config?.kind ?? 'ADD_LEARNER') as ConfigChange['kind'];
    return { term, index, type: 'config', data: null, config: { kind, node: wire.config?.node ?? 0 } };
  }
  if (wire.type === 'NOOP') return { term, index, type: 'normal', data: null };
  const data = wire.data ?? new Uint8Array(0);
  return { term, index, type: 'normal', data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function snapshotFromWire(wire: NonNullable<WireMessage['snapshot']>): Snapshot {
  const data = wire.data ?? new Uint8Array(0);
  return {
    meta: { index: wire.index ?? 0, term: wire.term ?? 0, membership: { voters: wire.voters ?? [], learners: wire.learners ?? [] } },
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

export function messageToWire(message: Message): WireMessage {
  const wire: WireMessage = { type: TYPES[message.type], from: message.from, to: message.to, term: message.term };
  if (message.logTerm !== undefined) wire.logTerm = message.logTerm;
  if (message.index !== undefined) wire.index = message.index;
  if (message.entries !== undefined && message.entries.length > 0) wire.entries = message.entries.map(entryToWire);
  if (message.commit !== undefined) wire.commit = message.commit;
  if (message.reject) wire.reject = true;
  if (message.rejectHint !== undefined) wire.rejectHint = message.rejectHint;
  if (message.context !== undefined) wire.context = message.context;
  if (message.tick !== undefined) wire.tick = message.tick;
  if (message.snapshot !== undefined) {
    const { meta, data } = message.snapshot;
    wire.snapshot = { index: meta.index, term: meta.term, voters: meta.membership.voters, learners: meta.membership.learners, data };
  }
  return wire;
}

/** Undefined for a message this version does not understand (it is dropped, as a lost message). */
export function messageFromWire(wire: WireMessage): Message | undefined {
  const type = TYPES_BY_WIRE.get(wire.type ?? 'PRE_VOTE');
  if (!type) return undefined;
  const message: Message = { type, from: wire.from ?? 0, to: wire.to ?? 0, term: wire.term ?? 0 };
  if (wire.logTerm !== undefined) message.logTerm = wire.logTerm;
  if (wire.index !== undefined) message.index = wire.index;
  if (wire.entries !== undefined && wire.entries.length > 0) message.entries = wire.entries.map(entryFromWire);
  else if (type === 'append') message.entries = [];
  if (wire.commit !== undefined) message.commit = wire.commit;
  if (wire.reject) message.reject = true;
  if (wire.rejectHint !== undefined) message.rejectHint = wire.rejectHint;
  if (wire.context !== undefined) message.context = wire.context;
  if (wire.tick !== undefined) message.tick = wire.tick;
  if (wire.snapshot !== undefined) message.snapshot = snapshotFromWire(wire.snapshot);
  return message;
}

export function batchToWire(from: number, batch: GroupMessage[]): WireBatch {
  return { from, messages: batch.map(({ group, message }) => ({ group, message: messageToWire(message) })) };
}

export function batchFromWire(wire: WireBatch): GroupMessage[] {
  const batch: GroupMessage[] = [];
  for (const item of wire.messages ?? []) {
    const message = item.message ? messageFromWire(item.message) : undefined;
    if (message) batch.push({ group: item.group ?? 0, message });
  }
  return batch;
}
