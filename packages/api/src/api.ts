import { DynamoError } from '@shoal/model';
import { validateRequest } from '@shoal/protocol';
import type { ApiContext, Request, RequestInfo, Response } from './context.js';
import { backfillIndex, dropIndex } from './index-lifecycle.js';
import { OPERATION_HANDLERS } from './operations/index.js';
import { tableHandleByNumber } from './tables.js';

/**
 * The DynamoDB API, independent of transport: validate the request against the service model,
 * then run the operation's handler. Every failure leaves as a DynamoError.
 */
export class DynamoApi {
  constructor(private readonly context: ApiContext) {}

  /**
   * Resumes index work a restart interrupted: change records not yet applied to global indexes,
   * backfills of CREATING indexes, drops of DELETING ones.
   */
  async resumeBackgroundWork(): Promise<void> {
    await this.context.store.startIndexMaintenance((tableNumber) => tableHandleByNumber(this.context, tableNumber));
    for (const name of this.context.catalog.names()) {
      for (const index of this.context.catalog.get(name)?.indexes ?? []) {
        if (index.IndexStatus === 'CREATING') this.context.schedule(() => backfillIndex(this.context, name, index.indexNumber), 0);
        if (index.IndexStatus === 'DELETING') this.context.schedule(() => dropIndex(this.context, name, index.indexNumber), 0);
      }
    }
  }

  supports(operation: string): boolean {
    return Object.hasOwn(OPERATION_HANDLERS, operation);
  }

  async handle(operation: string, body: unknown, info: RequestInfo): Promise<Response> {
    const handler = OPERATION_HANDLERS[operation];
    if (!handler || !Object.hasOwn(OPERATION_HANDLERS, operation)) throw DynamoError.unknownOperation();
    validateRequest(operation, body);
    return handler(body as Request, this.context, info);
  }
}
