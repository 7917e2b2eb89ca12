import type { Clock } from '@shoal/base';
import type { Catalog } from '@shoal/metadata';
import type { ItemStore } from '@shoal/partition';

/** What an operation handler may use. Built once at the process entrypoint. */
export interface ApiContext {
  readonly catalog: Catalog;
  readonly store: ItemStore;
  readonly clock: Clock;
  readonly region: string;
  readonly accountId: string;
  /** How long a new table stays CREATING (and an updated one UPDATING) before it is ACTIVE. */
  readonly tableActivationDelayMs: number;
  /** Runs `task` after `delayMs` (a timer in production, a queue in tests). */
  readonly schedule: (task: () => Promise<void>, delayMs: number) => void;
  readonly newTableId: () => string;
}

/** Per-request facts from the transport. */
export interface RequestInfo {
  /** The Host header the client used, for DescribeEndpoints. */
  host: string;
}

// Request bodies have passed the service-model validation; handlers read them through this type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Request = Record<string, any>;
export type Response = Record<string, unknown>;

export type OperationHandler = (request: Request, context: ApiContext, info: RequestInfo) => Promise<Response>;
