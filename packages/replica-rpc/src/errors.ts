import * as grpc from '@grpc/grpc-js';
import { isShoalError, ShoalError, type Fault } from '@shoal/base';
import { DynamoError } from '@shoal/model';
import { NotLeaderError, ProposalDroppedError } from '@shoal/raft';

/** An error as it crosses the wire: FAILED_PRECONDITION with this JSON as the status details. */
interface WireError {
  code: string;
  message: string;
  fault: Fault;
  leader?: number;
  dynamo?: { type: string; status: number; namespace: string };
}

/** The replica could not be reached, or the call broke off: whether a write took effect is unknown. */
export class ReplicaUnreachableError extends ShoalError {
  constructor(detail: string, fault: Fault) {
    super('ReplicaUnreachable', `the replica could not be reached: ${detail}`, fault);
  }
}

export function errorToStatus(error: unknown): Partial<grpc.StatusObject> {
  if (!isShoalError(error)) {
    return { code: grpc.status.INTERNAL, details: JSON.stringify({ code: 'Internal', message: String((error as Error)?.message ?? error), fault: 'server' }) };
  }
  const wire: WireError = { code: error.code, message: error.message, fault: error.fault };
  if (error instanceof NotLeaderError) wire.leader = error.leader;
  if (error instanceof DynamoError) wire.dynamo = { type: error.type, status: error.status, namespace: error.namespace };
  return { code: grpc.status.FAILED_PRECONDITION, details: JSON.stringify(wire) };
}

/**
 * The error a call's failure stands for. A replica's own answer becomes the error it threw. A
 * transport failure becomes NotLeaderError (try another replica) when the call certainly had no
 * effect: it was a read, or no connection was ever made; otherwise it is ambiguous.
 */
export function errorFromStatus(error: grpc.ServiceError, isWrite: boolean): Error {
  if (error.code === grpc.status.FAILED_PRECONDITION || error.code === grpc.status.INTERNAL) {
    let wire: WireError | undefined;
    try {
      wire = JSON.parse(error.details) as WireError;
    } catch {
      wire = undefined;
    }
    if (wire) {
      if (wire.code === 'NotLeader') return new NotLeaderError(wire.leader ?? 0);
      if (wire.code === 'ProposalDropped') return new ProposalDroppedError(wire.message);
      if (wire.dynamo) return new DynamoError(wire.dynamo.type, wire.message, wire.dynamo.status, wire.dynamo.namespace, wire.fault);
      return new ShoalError(wire.code, wire.message, wire.fault);
    }
  }
  const neverSent = error.code === grpc.status.UNAVAILABLE && /No connection established|ECONNREFUSED|Connection refused/i.test(error.details);
  if (!isWrite || neverSent) return new NotLeaderError(0);
  return new ReplicaUnreachableError(error.details, 'ambiguous');
}
