import { DynamoError } from '@shoal/model';
import type { OperationHandler } from '../context.js';
import { existingTable } from '../tables.js';

/** The TTL setting only; expiry of items arrives with the TTL issue. */
export const updateTimeToLive: OperationHandler = async (request, context) => {
  const specification = request.TimeToLiveSpecification as { Enabled: boolean; AttributeName: string };
  await context.catalog.exclusive((catalog) => {
    const table = catalog.get(request.TableName);
    if (!table) throw DynamoError.tableNotFound(request.TableName);
    const current = table.TimeToLive;
    if (specification.Enabled && current?.Enabled) {
      if (current.AttributeName !== specification.AttributeName) {
        throw DynamoError.validation(
          `TimeToLive is active on a different AttributeName: current AttributeName is ${current.AttributeName}`,
        );
      }
      throw DynamoError.validation('TimeToLive is already enabled');
    }
    if (!specification.Enabled && !current?.Enabled) throw DynamoError.validation('TimeToLive is already disabled');
    catalog.put({ ...table, TimeToLive: { AttributeName: specification.AttributeName, Enabled: specification.Enabled } });
  });
  return { TimeToLiveSpecification: { Enabled: specification.Enabled, AttributeName: specification.AttributeName } };
};

export const describeTimeToLive: OperationHandler = async (request, context) => {
  const table = existingTable(context, request.TableName);
  const ttl = table.TimeToLive;
  if (!ttl?.Enabled) return { TimeToLiveDescription: { TimeToLiveStatus: 'DISABLED' } };
  return { TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: ttl.AttributeName } };
};
