import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShoalGrpcClient, ShoalServiceError } from '@shoal/client';
import { startTestServer, waitFor } from '@shoal/testkit';

/** The public gRPC API (proto/dynamodb.proto) through the typed client, against the same API as HTTP. */
let server: Awaited<ReturnType<typeof startTestServer>>;
let shoal: ShoalGrpcClient;

beforeAll(async () => {
  server = await startTestServer();
  shoal = new ShoalGrpcClient(`127.0.0.1:${server.grpcPort}`);
});

afterAll(async () => {
  shoal?.close();
  await server?.close();
});

describe('the gRPC API', () => {
  it('serves the seed example: create a table, write, read, query', async () => {
    const created = await shoal.call('CreateTable', {
      TableName: 'Music',
      AttributeDefinitions: [
        { AttributeName: 'Artist', AttributeType: 'S' },
        { AttributeName: 'SongTitle', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'Artist', KeyType: 'HASH' },
        { AttributeName: 'SongTitle', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    });
    expect(created.TableDescription?.TableName).toBe('Music');
    await waitFor(async () => (await shoal.call('DescribeTable', { TableName: 'Music' })).Table?.TableStatus === 'ACTIVE', 'Music to be ACTIVE');
    for (const title of ['Call Me Today', 'Somewhere Down The Road', 'Happy Day']) {
      expect(await shoal.call('PutItem', { TableName: 'Music', Item: { Artist: { S: 'No One You Know' }, SongTitle: { S: title }, Price: { N: '1.98' } } })).toEqual({});
    }
    expect(await shoal.call('GetItem', { TableName: 'Music', Key: { Artist: { S: 'No One You Know' }, SongTitle: { S: 'Happy Day' } }, ConsistentRead: true })).toEqual({
      Item: { Artist: { S: 'No One You Know' }, SongTitle: { S: 'Happy Day' }, Price: { N: '1.98' } },
    });
    const queried = await shoal.call('Query', {
      TableName: 'Music',
      KeyConditionExpression: 'Artist = :a AND begins_with(SongTitle, :s)',
      ExpressionAttributeValues: { ':a': { S: 'No One You Know' }, ':s': { S: 'S' } },
      ProjectionExpression: 'SongTitle',
    });
    expect(queried).toEqual({ Items: [{ SongTitle: { S: 'Somewhere Down The Road' } }], Count: 1, ScannedCount: 1 });
  });

  it("returns DynamoDB's errors as typed errors with a matching gRPC status", async () => {
    const failed = await shoal
      .call('PutItem', {
        TableName: 'Music',
        Item: { Artist: { S: 'No One You Know' }, SongTitle: { S: 'Happy Day' } },
        ConditionExpression: 'attribute_not_exists(Artist)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(ShoalServiceError);
    expect(failed).toMatchObject({
      name: 'ConditionalCheckFailedException',
      type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
      message: 'The conditional request failed',
      code: 9, // FAILED_PRECONDITION
      item: { Artist: { S: 'No One You Know' }, SongTitle: { S: 'Happy Day' }, Price: { N: '1.98' } },
    });
    const missing = await shoal.call('GetItem', { TableName: 'Nowhere', Key: { id: { S: 'x' } } }).catch((error: unknown) => error);
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException', message: 'Requested resource not found', code: 5 });
    const invalid = await shoal.call('Query', { TableName: 'Music' }).catch((error: unknown) => error);
    expect(invalid).toMatchObject({
      name: 'ValidationException',
      message: 'Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.',
      code: 3,
    });
  });
});
