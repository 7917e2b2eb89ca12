import { DynamoError, GLOBAL_INDEXES_PER_TABLE_MAX, invalidParameter } from '@shoal/model';
import type { AttributeDefinition, TableDefinition } from '@shoal/metadata';
import type { OperationHandler, Request } from '../context.js';
import { backfillIndex, dropIndex } from '../index-lifecycle.js';
import { checkIndexRequest, newIndexDefinition, type IndexRequest } from '../index-definitions.js';
import { describe, nowSeconds, scheduleActivation } from '../tables.js';

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
  for (const index of updated.indexes ?? []) {
    if (index.IndexStatus === 'CREATING') context.schedule(() => backfillIndex(context, updated.TableName, index.indexNumber), context.tableActivationDelayMs);
    if (index.IndexStatus === 'DELETING') context.schedule(() => dropIndex(context, updated.TableName, index.indexNumber), context.tableActivationDelayMs);
  }
  return { TableDescription: await describe(context, updated) };
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
  if (request.ReplicaUpdates || request.StreamSpecification?.StreamEnabled) {
    throw invalidParameter('Streams and replicas are not supported by this version of Shoal yet');
  }
  const names = new Set<string>();
  for (const update of (request.GlobalSecondaryIndexUpdates ?? []) as GlobalIndexUpdate[]) {
    if (!update.Update && !update.Create && !update.Delete) {
      throw invalidParameter('One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null');
    }
    const name = (update.Update ?? update.Create ?? update.Delete)!.IndexName;
    if (names.has(name)) throw invalidParameter(`Only one global secondary index update per index is allowed simultaneously. Index: ${name}`);
    names.add(name);
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
  if (request.GlobalSecondaryIndexUpdates) applyIndexUpdates(next, request);
  if (request.DeletionProtectionEnabled != null) next.DeletionProtectionEnabled = request.DeletionProtectionEnabled;
  if (request.TableClass) next.TableClass = request.TableClass;
  return next;
}

interface GlobalIndexUpdate {
  Create?: IndexRequest;
  Delete?: { IndexName: string };
  Update?: { IndexName: string; ProvisionedThroughput?: { ReadCapacityUnits: number; WriteCapacityUnits: number } };
}

/** Global index creation (CREATING, backfilled in the background), deletion and throughput changes. */
function applyIndexUpdates(next: TableDefinition, request: Request): void {
  const definitions: AttributeDefinition[] = [...next.AttributeDefinitions];
  for (const definition of (request.AttributeDefinitions ?? []) as AttributeDefinition[]) {
    const existing = definitions.find((d) => d.AttributeName === definition.AttributeName);
    if (existing && existing.AttributeType !== definition.AttributeType) {
      throw invalidParameter(`Cannot change the type of attribute ${definition.AttributeName}`);
    }
    if (!existing) definitions.push(definition);
  }
  let indexes = [...(next.indexes ?? [])];
  let nextIndexNumber = next.nextIndexNumber ?? indexes.length + 1;
  for (const update of request.GlobalSecondaryIndexUpdates as GlobalIndexUpdate[]) {
    if (update.Create) {
      if (indexes.some((index) => index.IndexName === update.Create!.IndexName)) {
        throw invalidParameter(`Attempting to create an index which already exists: ${update.Create.IndexName}`);
      }
      checkIndexRequest(update.Create, definitions.map((d) => d.AttributeName), 'global', next.KeySchema, next.BillingMode === 'PAY_PER_REQUEST');
      if (indexes.filter((index) => index.kind === 'global').length >= GLOBAL_INDEXES_PER_TABLE_MAX) {
        throw DynamoError.limitExceeded(`Subscriber limit exceeded: The maximum number of global secondary indexes per table is ${GLOBAL_INDEXES_PER_TABLE_MAX}`);
      }
      indexes.push(newIndexDefinition(update.Create, 'global', nextIndexNumber++, 'CREATING'));
    } else {
      const name = (update.Delete ?? update.Update)!.IndexName;
      const index = indexes.find((candidate) => candidate.IndexName === name && candidate.kind === 'global');
      if (!index) throw DynamoError.resourceNotFound(`Requested resource not found: Index: ${name} not found`);
      if (update.Delete) {
        indexes = indexes.map((candidate) => (candidate === index ? { ...candidate, IndexStatus: 'DELETING' as const } : candidate));
      } else if (update.Update?.ProvisionedThroughput) {
        const throughput = update.Update.ProvisionedThroughput;
        indexes = indexes.map((candidate) => (candidate === index ? { ...candidate, ReadCapacityUnits: throughput.ReadCapacityUnits, WriteCapacityUnits: throughput.WriteCapacityUnits } : candidate));
      }
    }
  }
  next.AttributeDefinitions = definitions;
  next.indexes = indexes;
  next.nextIndexNumber = nextIndexNumber;
}
