import { DynamoError, invalidParameter } from '@shoal/model';
import { describeTable, type TableDefinition } from '@shoal/metadata';
import type { OperationHandler, Request } from '../context.js';
import { nowSeconds, scheduleActivation } from '../tables.js';

const CAPACITY_UNITS_MAX = 1_000_000_000_000;

/** Billing mode, provisioned throughput, deletion protection and table class changes. */
export const updateTable: OperationHandler = async (request, context) => {
  checkUpdateTable(request);
  const updated = await context.catalog.exclusive((catalog) => {
    const table = catalog.get(request.TableName);
    if (!table) throw DynamoError.tableNotFound(request.TableName);
    if (table.TableStatus !== 'ACTIVE') {
      throw DynamoError.resourceInUse(`Attempt to change a resource which is still in use: Table is being ${table.TableStatus === 'CREATING' ? 'created' : 'updated'}: ${table.TableName}`);
    }
    const next = applyTableUpdate(table, request, nowSeconds(context));
    catalog.put(next);
    return next;
  });
  if (updated.TableStatus === 'UPDATING') scheduleActivation(context, updated.TableName, 'UPDATING');
  return { TableDescription: describeTable(updated, context.store.statisticsOf(updated.tableNumber)) };
};

function checkUpdateTable(request: Request): void {
  const changes = ['ProvisionedThroughput', 'BillingMode', 'GlobalSecondaryIndexUpdates', 'StreamSpecification',
    'SSESpecification', 'ReplicaUpdates', 'DeletionProtectionEnabled', 'TableClass', 'AttributeDefinitions'];
  if (!changes.some((member) => request[member] != null)) {
    throw DynamoError.validation(
      'At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required',
    );
  }
  if (request.BillingMode === 'PROVISIONED' && !request.ProvisionedThroughput) {
    throw invalidParameter('ProvisionedThroughput must be specified when BillingMode is PROVISIONED');
  }
  for (const member of ['ReadCapacityUnits', 'WriteCapacityUnits'] as const) {
    const value = request.ProvisionedThroughput?.[member];
    if (value > CAPACITY_UNITS_MAX) throw DynamoError.validation(`Given value ${value} for ${member} is out of bounds`);
  }
  if (request.GlobalSecondaryIndexUpdates || request.ReplicaUpdates || request.StreamSpecification?.StreamEnabled) {
    throw invalidParameter('Secondary indexes, streams and replicas are not supported by this version of Shoal yet');
  }
}

function applyTableUpdate(table: TableDefinition, request: Request, now: number): TableDefinition {
  const next: TableDefinition = { ...table };
  const billingMode = request.BillingMode ?? table.BillingMode;
  if (request.ProvisionedThroughput && billingMode === 'PAY_PER_REQUEST') {
    throw invalidParameter('Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST');
  }
  if (request.BillingMode && request.BillingMode !== table.BillingMode) {
    next.BillingMode = request.BillingMode;
    next.billingModeExplicit = true;
    next.TableStatus = 'UPDATING';
    if (request.BillingMode === 'PAY_PER_REQUEST') {
      next.LastUpdateToPayPerRequestDateTime = now;
      next.ReadCapacityUnits = 0;
      next.WriteCapacityUnits = 0;
    }
  }
  const throughput = request.ProvisionedThroughput;
  if (throughput) {
    const readDiff = throughput.ReadCapacityUnits - table.ReadCapacityUnits;
    const writeDiff = throughput.WriteCapacityUnits - table.WriteCapacityUnits;
    if (readDiff === 0 && writeDiff === 0 && table.BillingMode === 'PROVISIONED') {
      throw DynamoError.validation(
        'The provisioned throughput for the table will not change. The requested value equals the current value. ' +
          `Current ReadCapacityUnits provisioned for the table: ${table.ReadCapacityUnits}. Requested ReadCapacityUnits: ${throughput.ReadCapacityUnits}. ` +
          `Current WriteCapacityUnits provisioned for the table: ${table.WriteCapacityUnits}. Requested WriteCapacityUnits: ${throughput.WriteCapacityUnits}. ` +
          'Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.',
      );
    }
    if (readDiff > 0 || writeDiff > 0) next.LastIncreaseDateTime = now;
    if (readDiff < 0 || writeDiff < 0) {
      next.LastDecreaseDateTime = now;
      next.NumberOfDecreasesToday = table.NumberOfDecreasesToday + 1;
    }
    next.ReadCapacityUnits = throughput.ReadCapacityUnits;
    next.WriteCapacityUnits = throughput.WriteCapacityUnits;
    next.TableStatus = 'UPDATING';
  }
  if (request.DeletionProtectionEnabled != null) next.DeletionProtectionEnabled = request.DeletionProtectionEnabled;
  if (request.TableClass) next.TableClass = request.TableClass;
  return next;
}
