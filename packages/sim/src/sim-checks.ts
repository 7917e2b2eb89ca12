import { checkOperations, kvModel, renderHistory, type KvInput, type KvOutput, type Operation } from '@shoal/linearizability';
import type { NodeId, RaftNode } from '@shoal/raft';

/** The checks every simulation runs on what it observed. */

export interface CheckedHistory {
  operations: number;
  violation: boolean;
  verdict: 'ok' | 'illegal' | 'unknown';
  detail?: string;
}

/**
 * State machine safety (Raft paper, Figure 3): every replica of a group applies the same entry at
 * each index. Records the first term applied at each (group, index) and reports the first clash.
 */
export class StateMachineSafety {
  private readonly terms = new Map<string, number>();
  violation: string | undefined;

  applied(node: NodeId, index: number, term: number, group?: number): void {
    const key = group === undefined ? `${index}` : `${group}:${index}`;
    const first = this.terms.get(key);
    if (first === undefined) this.terms.set(key, term);
    else if (first !== term && !this.violation) {
      const where = group === undefined ? '' : ` of group ${group}`;
      this.violation = `state machine safety: node ${node} applied index ${index}${where} from term ${term}, another node applied it from term ${first}`;
    }
  }
}

/**
 * The clients' history. A write is recorded when proposed, with an unknown outcome until its
 * client hears back; the simulator also notes the output each write produced when applied.
 */
export class ClientHistory {
  readonly operations: Operation<KvInput, KvOutput>[] = [];
  /** The first output each write op produced when applied, and the op of each write call. */
  private readonly appliedOutputs = new Map<number, KvOutput>();
  private readonly writeOps = new Map<number, number>();

  /** A proposed write; returns its place in the history. */
  callWrite(clientId: number, op: number, input: KvInput, call: number): number {
    this.operations.push({ clientId, input, call, return: Infinity });
    this.writeOps.set(this.operations.length - 1, op);
    return this.operations.length - 1;
  }

  /** Write `op` produced `output` when some replica applied it. */
  applied(op: number, output: KvOutput): void {
    if (!this.appliedOutputs.has(op)) this.appliedOutputs.set(op, output);
  }

  /** The client heard back. */
  complete(position: number, output: KvOutput, now: number): void {
    const operation = this.operations[position] as Operation<KvInput, KvOutput>;
    operation.return = now;
    operation.output = output;
  }

  /** The write is known never to have taken effect (its entry was overwritten, or refused). */
  discard(position: number): void {
    this.operations[position] = { ...(this.operations[position] as Operation<KvInput, KvOutput>), clientId: -1 };
  }

  read(clientId: number, key: string, call: number, now: number, value: string | undefined): void {
    this.operations.push({ clientId, input: { op: 'get', key }, call, return: now, output: { value } });
  }

  /**
   * Checks linearizability. A write whose client never heard back either took effect (it is in
   * the applied log: its output is known, its return time stays unknown) or never did (it is
   * dropped). Knowing this, as only a simulator can, keeps the checker's search small without
   * hiding any violation. `invariantViolation` (safety, liveness, an assertion) also fails the run.
   */
  check(invariantViolation: string | undefined): CheckedHistory {
    const recorded = this.operations.flatMap((operation, index) => {
      if (operation.clientId === -1) return [];
      if (operation.return !== Infinity) return [operation];
      const output = this.appliedOutputs.get(this.writeOps.get(index) as number);
      return output === undefined ? [] : [{ ...operation, output }];
    });
    const check = checkOperations(kvModel, recorded, { stepsMax: 2_000_000 });
    return {
      operations: recorded.length,
      violation: check.result === 'illegal' || invariantViolation !== undefined,
      verdict: check.result,
      ...(check.result === 'illegal' ? { detail: renderHistory(kvModel, check.partition) } : {}),
      ...(check.result === 'unknown' ? { detail: check.reason } : {}),
      ...(invariantViolation !== undefined ? { detail: invariantViolation } : {}),
    };
  }
}

/**
 * Liveness after the quiet phase (every node up, no faults): one group has one leader, which has
 * replicated and applied its whole log on every member. A leader that stops replicating to a
 * recovered follower (say, with a pipeline full of lost messages) fails here.
 */
export function groupLiveness(replicas: readonly { raft: RaftNode; applied: number }[]): string | undefined {
  const leaders = replicas.filter((replica) => replica.raft.role === 'leader');
  const leader = leaders[0];
  if (leaders.length !== 1 || !leader) return `liveness: ${leaders.length} leaders after the quiet phase`;
  const { voters, learners } = leader.raft.membership;
  const members = replicas.filter((replica) => voters.includes(replica.raft.id) || learners.includes(replica.raft.id));
  const committed = leader.raft.log.committed;
  const behind = members.filter((replica) => replica.applied < committed || replica.raft.log.committed < committed);
  if (behind.length > 0) return `liveness: nodes ${behind.map((replica) => replica.raft.id).join(', ')} stuck behind the leader's commit ${committed}`;
  return undefined;
}
