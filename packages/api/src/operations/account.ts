import {
  ACCOUNT_READ_CAPACITY_MAX,
  ACCOUNT_WRITE_CAPACITY_MAX,
  TABLE_READ_CAPACITY_MAX,
  TABLE_WRITE_CAPACITY_MAX,
} from '@shoal/model';
import type { OperationHandler } from '../context.js';

/** DynamoDB's cache period for endpoint discovery answers. */
const ENDPOINT_CACHE_MINUTES = 1440;

export const describeEndpoints: OperationHandler = async (_request, _context, info) => ({
  Endpoints: [{ Address: info.host, CachePeriodInMinutes: ENDPOINT_CACHE_MINUTES }],
});

export const describeLimits: OperationHandler = async () => ({
  AccountMaxReadCapacityUnits: ACCOUNT_READ_CAPACITY_MAX,
  AccountMaxWriteCapacityUnits: ACCOUNT_WRITE_CAPACITY_MAX,
  TableMaxReadCapacityUnits: TABLE_READ_CAPACITY_MAX,
  TableMaxWriteCapacityUnits: TABLE_WRITE_CAPACITY_MAX,
});
