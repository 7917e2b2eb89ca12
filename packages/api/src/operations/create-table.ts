import { DynamoError, invalidParameter, limitsMessage, TABLES_PER_REGION_MAX } from '@shoal/model';
import { describeTable, type AttributeDefinition, type KeySchemaElement, type SecondaryIndexDefinition, type TableDefinition } from '@shoal/metadata';
import { indexDefinitions } from '../index-definitions.js';
import type { OperationHandler, Request } from '../context.js';
import { nowSeconds, scheduleActivation, tableArn } from '../tables.js';

/** DynamoDB's ceiling on provisioned units in one request. */
const CAPACITY_UNITS_MAX = 1_000_000_000_000;

export const createTable: OperationHandler = async (request, context) => {
  const indexes = checkCreateTable(request);
  const definition = await context.catalog.exclusive((catalog) => {
    if (catalog.get(request.TableName)) {
      throw DynamoError.resourceInUse(`Table already exists: ${request.TableName}`);
    }
    if (catalog.size >= TABLES_PER_REGION_MAX) throw DynamoError.limitExceeded(limitsMessage.tables);
    const now = nowSeconds(context);
    const payPerRequest = request.BillingMode === 'PAY_PER_REQUEST';
    const table: TableDefinition = {
      tableNumber: catalog.allocateTableNumber(),
      TableName: request.TableName,
      TableId: context.newTableId(),
      TableArn: tableArn(context, request.TableName),
      TableStatus: 'CREATING',
      AttributeDefinitions: request.AttributeDefinitions,
      KeySchema: request.KeySchema,
      CreationDateTime: now,
      BillingMode: payPerRequest ? 'PAY_PER_REQUEST' : 'PROVISIONED',
      billingModeExplicit: request.BillingMode != null,
      ...(payPerRequest ? { LastUpdateToPayPerRequestDateTime: now } : {}),
      ReadCapacityUnits: payPerRequest ? 0 : request.ProvisionedThroughput.ReadCapacityUnits,
      WriteCapacityUnits: payPerRequest ? 0 : request.ProvisionedThroughput.WriteCapacityUnits,
      NumberOfDecreasesToday: 0,
      DeletionProtectionEnabled: request.DeletionProtectionEnabled === true,
      ...(request.TableClass ? { TableClass: request.TableClass } : {}),
      Tags: request.Tags ?? [],
      indexes,
      nextIndexNumber: indexes.length + 1,
    };
    catalog.put(table);
    return table;
  });
  scheduleActivation(context, definition.TableName, 'CREATING');
  return { TableDescription: describeTable(definition, { itemCount: 0, sizeBytes: 0 }) };
};

/** CreateTable's semantic checks, in DynamoDB's order, after the service-model validation; returns the indexes. */
function checkCreateTable(request: Request): SecondaryIndexDefinition[] {
  if (request.BillingMode === 'PAY_PER_REQUEST') {
    if (request.ProvisionedThroughput) {
      throw invalidParameter('Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST');
    }
  } else {
    const throughput = request.ProvisionedThroughput;
    if (!throughput || !throughput.ReadCapacityUnits || !throughput.WriteCapacityUnits) {
      throw invalidParameter('ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED');
    }
    for (const member of ['ReadCapacityUnits', 'WriteCapacityUnits'] as const) {
      if (throughput[member] > CAPACITY_UNITS_MAX) {
        throw DynamoError.validation(`Given value ${throughput[member]} for ${member} is out of bounds`);
      }
    }
  }
  const definitions = (request.AttributeDefinitions as AttributeDefinition[]).map((d) => d.AttributeName);
  const keySchema = request.KeySchema as KeySchemaElement[];
  const keys = keySchema.map((k) => k.AttributeName);
  if (keys.length > definitions.length) {
    throw DynamoError.validation('Invalid KeySchema: Some index key attribute have no definition');
  }
  if (keys.some((key) => !definitions.includes(key))) {
    throw invalidParameter(
      `Some index key attributes are not defined in AttributeDefinitions. Keys: [${keys.join(', ')}], AttributeDefinitions: [${definitions.join(', ')}]`,
    );
  }
  if (keys[0] === keys[1]) {
    throw DynamoError.validation('Both the Hash Key and the Range Key element in the KeySchema have the same name');
  }
  if (keySchema[0]?.KeyType !== 'HASH') {
    throw DynamoError.validation('Invalid KeySchema: The first KeySchemaElement is not a HASH key type');
  }
  if (keySchema[1] && keySchema[1].KeyType !== 'RANGE') {
    throw DynamoError.validation('Invalid KeySchema: The second KeySchemaElement is not a RANGE key type');
  }
  const indexes = indexDefinitions(request.LocalSecondaryIndexes, request.GlobalSecondaryIndexes, definitions, keySchema, request.BillingMode === 'PAY_PER_REQUEST');
  if (new Set(definitions).size !== definitions.length) {
    const duplicate = definitions.find((name, i) => definitions.indexOf(name) !== i);
    throw invalidParameter(`Cannot have two attributes with the same name: ${duplicate}`);
  }
  const indexKeys = new Set([...keySchema, ...indexes.flatMap((index) => index.KeySchema)].map((key) => key.AttributeName));
  if (indexes.length === 0 && keySchema.length !== definitions.length) {
    throw invalidParameter(
      'Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions',
    );
  }
  if (definitions.some((name) => !indexKeys.has(name))) {
    throw invalidParameter(
      `Some AttributeDefinitions are not used. AttributeDefinitions: [${definitions.join(', ')}], keys used: [${[...indexKeys].join(', ')}]`,
    );
  }
  if (request.StreamSpecification?.StreamEnabled) {
    throw invalidParameter('Streams are not supported by this version of Shoal yet');
  }
  return indexes;
}
