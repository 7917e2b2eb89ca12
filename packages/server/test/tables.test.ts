import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeEndpointsCommand,
  DescribeLimitsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectDynamoError, startTestServer, testClient } from '@shoal/testkit';

let server: Awaited<ReturnType<typeof startTestServer>>;
let client: DynamoDBClient;

beforeAll(async () => {
  server = await startTestServer();
  client = testClient(server.url);
});
afterAll(async () => {
  client.destroy();
  await server.close();
});

async function waitActive(name: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`${name} never became ACTIVE`);
}

const musicTable = {
  TableName: 'Music',
  AttributeDefinitions: [
    { AttributeName: 'Artist', AttributeType: 'S' as const },
    { AttributeName: 'SongTitle', AttributeType: 'S' as const },
  ],
  KeySchema: [
    { AttributeName: 'Artist', KeyType: 'HASH' as const },
    { AttributeName: 'SongTitle', KeyType: 'RANGE' as const },
  ],
  BillingMode: 'PAY_PER_REQUEST' as const,
};

describe('CreateTable and DescribeTable', () => {
  it('creates a table CREATING, then reports it ACTIVE with ARN, dates, counts and billing', async () => {
    const before = Date.now() / 1000;
    const created = await client.send(new CreateTableCommand(musicTable));
    const description = created.TableDescription!;
    expect(description.TableStatus).toBe('CREATING');
    expect(description.CreationDateTime!.getTime() / 1000).toBeGreaterThanOrEqual(Math.floor(before));
    expect(description.TableId).toMatch(/^[0-9a-f-]{36}$/);
    expect(description).toMatchObject({
      TableName: 'Music',
      TableArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/Music',
      AttributeDefinitions: musicTable.AttributeDefinitions,
      KeySchema: musicTable.KeySchema,
      ItemCount: 0,
      TableSizeBytes: 0,
      ProvisionedThroughput: { NumberOfDecreasesToday: 0, ReadCapacityUnits: 0, WriteCapacityUnits: 0 },
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
      DeletionProtectionEnabled: false,
    });
    await waitActive('Music');
    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'Music' }));
    expect(Table!.TableStatus).toBe('ACTIVE');
    expect(Table!.TableId).toBe(description.TableId);
  });

  it('refuses a second table of the same name', async () => {
    await expectDynamoError(client.send(new CreateTableCommand(musicTable)), 'ResourceInUseException', 'Table already exists: Music');
  });

  it('gives DynamoDB validation errors for bad definitions', async () => {
    await expectDynamoError(
      client.send(new CreateTableCommand({ ...musicTable, TableName: 'Bad', AttributeDefinitions: [musicTable.AttributeDefinitions[0]!] })),
      'ValidationException',
      'Invalid KeySchema: Some index key attribute have no definition',
    );
    await expectDynamoError(
      client.send(new CreateTableCommand({ ...musicTable, TableName: 'Bad', BillingMode: undefined })),
      'ValidationException',
      'One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED',
    );
    await expectDynamoError(
      client.send(
        new CreateTableCommand({
          ...musicTable,
          TableName: 'Bad',
          KeySchema: [
            { AttributeName: 'SongTitle', KeyType: 'RANGE' },
            { AttributeName: 'Artist', KeyType: 'HASH' },
          ],
        }),
      ),
      'ValidationException',
      'Invalid KeySchema: The first KeySchemaElement is not a HASH key type',
    );
    await expectDynamoError(
      client.send(new CreateTableCommand({ ...musicTable, TableName: 'Bad', KeySchema: [{ AttributeName: 'Artist', KeyType: 'HASH' }] })),
      'ValidationException',
      'One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions',
    );
    await expectDynamoError(
      client.send(new CreateTableCommand({ ...musicTable, TableName: 'ab' })),
      'ValidationException',
      "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3",
    );
  });

  it('reports a missing table', async () => {
    await expectDynamoError(
      client.send(new DescribeTableCommand({ TableName: 'Nope' })),
      'ResourceNotFoundException',
      'Requested resource not found: Table: Nope not found',
    );
  });
});

describe('ListTables', () => {
  it('pages through table names in order', async () => {
    for (const name of ['List-c', 'List-a', 'List-b']) {
      await client.send(new CreateTableCommand({ ...musicTable, TableName: name }));
    }
    const first = await client.send(new ListTablesCommand({ Limit: 2 }));
    expect(first.TableNames).toEqual(['List-a', 'List-b']);
    expect(first.LastEvaluatedTableName).toBe('List-b');
    const second = await client.send(new ListTablesCommand({ ExclusiveStartTableName: 'List-b', Limit: 2 }));
    expect(second.TableNames).toEqual(['List-c', 'Music']);
    expect(second.LastEvaluatedTableName).toBeUndefined();
    const last = await client.send(new ListTablesCommand({ ExclusiveStartTableName: 'Music' }));
    expect(last.TableNames).toEqual([]);
    expect(last.LastEvaluatedTableName).toBeUndefined();
  });
});

describe('UpdateTable', () => {
  it('switches billing mode and provisioned throughput', async () => {
    await waitActive('List-a');
    const updated = await client.send(
      new UpdateTableCommand({ TableName: 'List-a', BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 7 } }),
    );
    expect(updated.TableDescription).toMatchObject({
      TableStatus: 'UPDATING',
      BillingModeSummary: { BillingMode: 'PROVISIONED' },
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 7, NumberOfDecreasesToday: 0 },
    });
    await waitActive('List-a');
    await expectDynamoError(
      client.send(new UpdateTableCommand({ TableName: 'List-a', ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 7 } })),
      'ValidationException',
      'The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: 5. Requested ReadCapacityUnits: 5. Current WriteCapacityUnits provisioned for the table: 7. Requested WriteCapacityUnits: 7. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.',
    );
  });

  it('honours deletion protection', async () => {
    await waitActive('List-b');
    await client.send(new UpdateTableCommand({ TableName: 'List-b', DeletionProtectionEnabled: true }));
    await expectDynamoError(
      client.send(new DeleteTableCommand({ TableName: 'List-b' })),
      'ValidationException',
      'Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.',
    );
    await client.send(new UpdateTableCommand({ TableName: 'List-b', DeletionProtectionEnabled: false }));
    const deleted = await client.send(new DeleteTableCommand({ TableName: 'List-b' }));
    expect(deleted.TableDescription!.TableStatus).toBe('DELETING');
    await expectDynamoError(
      client.send(new DescribeTableCommand({ TableName: 'List-b' })),
      'ResourceNotFoundException',
      'Requested resource not found: Table: List-b not found',
    );
  });
});

describe('tags, TTL, endpoints and limits', () => {
  const arn = 'arn:aws:dynamodb:us-east-1:000000000000:table/Music';

  it('tags, lists and untags a table', async () => {
    await client.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'team', Value: 'audio' }, { Key: 'env', Value: 'test' }] }));
    expect((await client.send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags).toEqual([
      { Key: 'team', Value: 'audio' },
      { Key: 'env', Value: 'test' },
    ]);
    await client.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['team'] }));
    expect((await client.send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags).toEqual([{ Key: 'env', Value: 'test' }]);
    await expectDynamoError(
      client.send(new ListTagsOfResourceCommand({ ResourceArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/Nope' })),
      'ResourceNotFoundException',
      'Requested resource not found: ResourcArn: arn:aws:dynamodb:us-east-1:000000000000:table/Nope not found',
    );
  });

  it('stores the TTL setting', async () => {
    expect((await client.send(new DescribeTimeToLiveCommand({ TableName: 'Music' }))).TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'DISABLED' });
    const updated = await client.send(
      new UpdateTimeToLiveCommand({ TableName: 'Music', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' } }),
    );
    expect(updated.TimeToLiveSpecification).toEqual({ Enabled: true, AttributeName: 'expires' });
    expect((await client.send(new DescribeTimeToLiveCommand({ TableName: 'Music' }))).TimeToLiveDescription).toEqual({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: 'expires',
    });
    await expectDynamoError(
      client.send(new UpdateTimeToLiveCommand({ TableName: 'Music', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' } })),
      'ValidationException',
      'TimeToLive is already enabled',
    );
  });

  it('describes endpoints and limits', async () => {
    const endpoints = await client.send(new DescribeEndpointsCommand({}));
    expect(endpoints.Endpoints).toEqual([{ Address: `127.0.0.1:${server.port}`, CachePeriodInMinutes: 1440 }]);
    const limits = await client.send(new DescribeLimitsCommand({}));
    expect(limits).toMatchObject({
      AccountMaxReadCapacityUnits: 80000,
      AccountMaxWriteCapacityUnits: 80000,
      TableMaxReadCapacityUnits: 40000,
      TableMaxWriteCapacityUnits: 40000,
    });
  });
});
