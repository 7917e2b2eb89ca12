import type { Entry, Message, MessageType, Snapshot } from './types.js';

const TYPES: ReadonlySet<MessageType> = new Set(['preVote', 'preVoteResponse', 'vote', 'voteResponse', 'append', 'appendResponse', 'heartbeat', 'heartbeatResponse', 'snapshot', 'timeoutNow']);
const CONFIG_KINDS = new Set(['addLearner', 'promote', 'remove']);

const count = (value: unknown): boolean => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const node = (value: unknown): boolean => count(value) && (value as number) > 0 && (value as number) <= 0xffffffff;
const optionalCount = (value: unknown): boolean => value === undefined || count(value);

function entriesProblem(message: Message): string | undefined {
  const entries = message.entries as unknown;
  if (entries === undefined) return undefined;
  if (!Array.isArray(entries)) return 'entries is not a list';
  if (entries.length > 0 && message.type !== 'append') return `a ${message.type} carries entries`;
  let expectedIndex = (message.index ?? 0) + 1;
  let previousTerm = message.logTerm ?? 0;
  for (const entry of entries as Entry[]) {
    if (typeof entry !== 'object' || entry === null) return 'an entry is not an object';
    if (entry.index !== expectedIndex) return `entry index ${String(entry.index)} where ${expectedIndex} was due`;
    if (!count(entry.term) || entry.term < previousTerm || entry.term > message.term) return `entry ${expectedIndex} has term ${String(entry.term)}`;
    if (entry.type === 'config') {
      if (!entry.config || !CONFIG_KINDS.has(entry.config.kind) || !node(entry.config.node)) return `entry ${expectedIndex} has a malformed configuration change`;
    } else if (entry.type !== 'normal' || !(entry.data === null || entry.data instanceof Uint8Array)) {
      return `entry ${expectedIndex} is malformed`;
    }
    expectedIndex++;
    previousTerm = entry.term;
  }
  return undefined;
}

function snapshotProblem(snapshot: Snapshot | undefined, type: MessageType): string | undefined {
  if (type !== 'snapshot') return snapshot === undefined ? undefined : `a ${type} carries a snapshot`;
  if (!snapshot || typeof snapshot !== 'object' || !snapshot.meta) return 'a snapshot message without a snapshot';
  const { meta, data } = snapshot;
  if (!count(meta.index) || meta.index === 0 || !count(meta.term) || meta.term === 0) return 'a snapshot without index or term';
  if (!(data instanceof Uint8Array)) return 'snapshot data is not bytes';
  if (data.length === 0) return 'a snapshot without data';
  const members = meta.membership;
  if (!members || !Array.isArray(members.voters) || !Array.isArray(members.learners) || members.voters.length === 0) return 'a snapshot without a membership';
  if (![...members.voters, ...members.learners].every(node)) return 'a snapshot membership with a malformed node id';
  return undefined;
}

/**
 * Why a message that arrived from the network cannot be a well-formed Raft message, or undefined
 * if it can. The core asserts its invariants; a host checks messages with this first, so that a
 * corrupt or garbled message is dropped (as a lost one) instead of tripping an assertion.
 */
export function malformedMessage(message: Message, self: number): string | undefined {
  if (typeof message !== 'object' || message === null) return 'not an object';
  if (!TYPES.has(message.type)) return `unknown type ${String(message.type)}`;
  if (!node(message.from) || message.to !== self) return `from ${String(message.from)} to ${String(message.to)} on node ${self}`;
  if (!count(message.term)) return `term ${String(message.term)}`;
  if (!optionalCount(message.logTerm)) return `logTerm ${String(message.logTerm)}`;
  if (!optionalCount(message.index)) return `index ${String(message.index)}`;
  if (!optionalCount(message.commit)) return `commit ${String(message.commit)}`;
  if (!optionalCount(message.rejectHint)) return `rejectHint ${String(message.rejectHint)}`;
  if (!optionalCount(message.tick)) return `tick ${String(message.tick)}`;
  if (message.context !== undefined && !Number.isSafeInteger(message.context)) return `context ${String(message.context)}`;
  if (message.reject !== undefined && typeof message.reject !== 'boolean') return 'reject is not a boolean';
  if ((message.type === 'append' || message.type === 'preVote' || message.type === 'vote') && (message.index === undefined || message.logTerm === undefined)) {
    return `a ${message.type} without index and log term`;
  }
  if (message.logTerm !== undefined && message.logTerm > message.term) return `log term ${message.logTerm} above term ${message.term}`;
  if (message.entries !== undefined) {
    const problem = entriesProblem(message);
    if (problem) return problem;
  }
  return message.snapshot === undefined && message.type !== 'snapshot' ? undefined : snapshotProblem(message.snapshot, message.type);
}
