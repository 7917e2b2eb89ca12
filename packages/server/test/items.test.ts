import {
  DeleteItemCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, expectDynamoError, startTestServer, testClient } from '@shoal/testkit';

let server: Awaited<ReturnType<typeof startTestServer>>;
let client: DynamoDBClient;

const TableName = 'Music';
const key = { Artist: { S: 'No One You Know' }, SongTitle: { S: 'Call Me Today' } };
const song = { ...key, AlbumTitle: { S: 'Hey Now' }, Price: { N: '1.98' } };

beforeAll(async () => {
  server = await startTestServer();
  client = testClient(server.url);
  await createTable(client, TableName, ['Artist', 'S'], ['SongTitle', 'S']);
  await createTable(client, 'Counters', ['id', 'N']);
});
afterAll(async () => {
  client.destroy();
  await server.close();
});

describe('PutItem and GetItem', () => {
  it('stores an item and reads it back exactly, numbers normalised', async () => {
    expect((await client.send(new PutItemCommand({ TableName, Item: { ...song, Price: { N: '01.980' } } }))).Attributes).toBeUndefined();
    const read = await client.send(new GetItemCommand({ TableName, Key: key }));
    expect(read.Item).toEqual(song);
  });

  it('returns the old item with ReturnValues ALL_OLD', async () => {
    const put = await client.send(new PutItemCommand({ TableName, Item: { ...song, Price: { N: '2' } }, ReturnValues: 'ALL_OLD' }));
    expect(put.Attributes).toEqual(song);
    await client.send(new PutItemCommand({ TableName, Item: song }));
  });

  it('stores all ten attribute types', async () => {
    const item = {
      Artist: { S: 'Types' },
      SongTitle: { S: 'All of them' },
      s: { S: 'text ✓ 😀' },
      n: { N: '-12345678901234567890123456789012345678' },
      b: { B: new Uint8Array([0, 1, 2, 255]) },
      bool: { BOOL: false },
      nul: { NULL: true },
      m: { M: { nested: { L: [{ N: '1' }, { S: 'two' }, { M: {} }] } } },
      l: { L: [] },
      ss: { SS: ['a', 'b'] },
      ns: { NS: ['1', '1E+3', '0.5'] },
      bs: { BS: [new Uint8Array([1]), new Uint8Array([2])] },
    };
    await client.send(new PutItemCommand({ TableName, Item: item }));
    const read = await client.send(new GetItemCommand({ TableName, Key: { Artist: { S: 'Types' }, SongTitle: { S: 'All of them' } } }));
    expect(read.Item).toEqual({ ...item, ns: { NS: ['1', '1000', '0.5'] } });
  });

  it('projects attributes with ProjectionExpression and AttributesToGet', async () => {
    const projected = await client.send(
      new GetItemCommand({ TableName, Key: key, ProjectionExpression: '#a, Price', ExpressionAttributeNames: { '#a': 'AlbumTitle' } }),
    );
    expect(projected.Item).toEqual({ AlbumTitle: { S: 'Hey Now' }, Price: { N: '1.98' } });
    const legacy = await client.send(new GetItemCommand({ TableName, Key: key, AttributesToGet: ['Artist'] }));
    expect(legacy.Item).toEqual({ Artist: key.Artist });
  });

  it('returns no Item for a missing key, and consumed capacity on request', async () => {
    const read = await client.send(
      new GetItemCommand({ TableName, Key: { ...key, SongTitle: { S: 'Missing' } }, ReturnConsumedCapacity: 'TOTAL', ConsistentRead: true }),
    );
    expect(read.Item).toBeUndefined();
    expect(read.ConsumedCapacity).toEqual({ TableName, CapacityUnits: 1 });
  });

  it('rejects items that break DynamoDB rules', async () => {
    await expectDynamoError(
      client.send(new PutItemCommand({ TableName, Item: { Artist: { S: 'x' } } })),
      'ValidationException',
      'One or more parameter values were invalid: Missing the key SongTitle in the item',
    );
    await expectDynamoError(
      client.send(new PutItemCommand({ TableName, Item: { ...key, Artist: { N: '1' } } })),
      'ValidationException',
      'One or more parameter values were invalid: Type mismatch for key Artist expected: S actual: N',
    );
    await expectDynamoError(
      client.send(new PutItemCommand({ TableName, Item: { ...key, Artist: { S: '' } } })),
      'ValidationException',
      'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: Artist',
    );
    await expectDynamoError(
      client.send(new PutItemCommand({ TableName, Item: { ...key, big: { S: 'x'.repeat(400 * 1024) } } })),
      'ValidationException',
      'Item size has exceeded the maximum allowed size',
    );
    await expectDynamoError(
      client.send(new PutItemCommand({ TableName, Item: { ...key, n: { N: '1E+126' } } })),
      'ValidationException',
      'Number overflow. Attempting to store a number with magnitude larger than supported range',
    );
    await expectDynamoError(
      client.send(new PutItemCommand({ TableName, Item: { ...key, ss: { SS: ['a', 'a'] } } })),
      'ValidationException',
      'One or more parameter values were invalid: Input collection [a, a] contains duplicates.',
    );
    await expectDynamoError(
      client.send(new PutItemCommand({ TableName, Item: song, ReturnValues: 'ALL_NEW' })),
      'ValidationException',
      'ReturnValues can only be ALL_OLD or NONE',
    );
    await expectDynamoError(
      client.send(new PutItemCommand({ TableName: 'Nope', Item: song })),
      'ResourceNotFoundException',
      'Requested resource not found',
    );
    await expectDynamoError(
      client.send(new GetItemCommand({ TableName, Key: { Artist: key.Artist } })),
      'ValidationException',
      'The provided key element does not match the schema',
    );
  });
});

describe('conditional writes', () => {
  it('fails a put whose condition does not hold, returning the item when asked', async () => {
    const error = await expectDynamoError(
      client.send(
        new PutItemCommand({
          TableName,
          Item: song,
          ConditionExpression: 'attribute_not_exists(Artist)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
      'ConditionalCheckFailedException',
      'The conditional request failed',
    );
    expect(error.Item).toEqual(song);
  });

  it('evaluates comparators, BETWEEN, IN, functions and boolean logic', async () => {
    const passing = [
      'Price = :p',
      'Price <> :q',
      'Price < :q AND Price <= :p',
      'Price BETWEEN :low AND :high',
      'AlbumTitle IN (:album, :other)',
      'begins_with(AlbumTitle, :prefix) AND contains(AlbumTitle, :part)',
      'attribute_type(Price, :type) AND size(AlbumTitle) = :len',
      'NOT attribute_exists(Absent) OR Price > :q',
    ];
    const values = {
      ':p': { N: '1.98' },
      ':q': { N: '2' },
      ':low': { N: '1' },
      ':high': { N: '2' },
      ':album': { S: 'Hey Now' },
      ':other': { S: 'Other' },
      ':prefix': { S: 'Hey' },
      ':part': { S: 'y N' },
      ':type': { S: 'N' },
      ':len': { N: '7' },
    };
    for (const condition of passing) {
      const used = Object.fromEntries(Object.entries(values).filter(([name]) => new RegExp(`${name}\\b`).test(condition)));
      await client.send(new PutItemCommand({ TableName, Item: song, ConditionExpression: condition, ExpressionAttributeValues: used }));
    }
    await expectDynamoError(
      client.send(new DeleteItemCommand({ TableName, Key: key, ConditionExpression: 'Price > :q', ExpressionAttributeValues: { ':q': { N: '2' } } })),
      'ConditionalCheckFailedException',
      'The conditional request failed',
    );
  });

  it('supports the legacy Expected parameter', async () => {
    await client.send(new PutItemCommand({ TableName, Item: song, Expected: { Price: { Value: { N: '1.98' } } } }));
    await expectDynamoError(
      client.send(new PutItemCommand({ TableName, Item: song, Expected: { Price: { Exists: false } } })),
      'ConditionalCheckFailedException',
      'The conditional request failed',
    );
  });

  it('reports expression errors as DynamoDB does', async () => {
    await expectDynamoError(
      client.send(new PutItemCommand({ TableName, Item: song, ConditionExpression: 'Price = :p' })),
      'ValidationException',
      'Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :p',
    );
    await expectDynamoError(
      client.send(new PutItemCommand({ TableName, Item: song, ConditionExpression: 'attribute_exists(Price)', ExpressionAttributeValues: { ':p': { N: '1' } } })),
      'ValidationException',
      'Value provided in ExpressionAttributeValues unused in expressions: keys: {:p}',
    );
    await expectDynamoError(
      client.send(new PutItemCommand({ TableName, Item: song, ConditionExpression: 'attribute_exists(Status)' })),
      'ValidationException',
      'Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: Status',
    );
    await expectDynamoError(
      client.send(new PutItemCommand({ TableName, Item: song, ConditionExpression: 'Price = :p', Expected: { Price: { Exists: false } } })),
      'ValidationException',
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}',
    );
  });
});

describe('UpdateItem', () => {
  const counterKey = { id: { N: '1' } };

  it('creates an item from SET with arithmetic, if_not_exists and list_append, returning ALL_NEW', async () => {
    const result = await client.send(
      new UpdateItemCommand({
        TableName: 'Counters',
        Key: counterKey,
        UpdateExpression: 'SET hits = if_not_exists(hits, :zero) + :one, tags = list_append(if_not_exists(tags, :empty), :tag)',
        ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' }, ':empty': { L: [] }, ':tag': { L: [{ S: 'a' }] } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(result.Attributes).toEqual({ id: { N: '1' }, hits: { N: '1' }, tags: { L: [{ S: 'a' }] } });
  });

  it('applies SET on nested paths, REMOVE, ADD and DELETE, returning UPDATED_OLD and UPDATED_NEW', async () => {
    await client.send(
      new UpdateItemCommand({
        TableName: 'Counters',
        Key: counterKey,
        UpdateExpression: 'SET info = :info, colours = :colours',
        ExpressionAttributeValues: { ':info': { M: { a: { N: '1' }, elements: { L: [{ S: 'x' }, { S: 'y' }, { S: 'z' }] } } }, ':colours': { SS: ['red', 'blue'] } },
      }),
    );
    const updated = await client.send(
      new UpdateItemCommand({
        TableName: 'Counters',
        Key: counterKey,
        UpdateExpression: 'SET info.a = info.a - :two REMOVE info.elements[1] ADD hits :ten, colours :green',
        ExpressionAttributeValues: { ':two': { N: '2' }, ':ten': { N: '10' }, ':green': { SS: ['green'] } },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    expect(updated.Attributes).toEqual({
      info: { M: { a: { N: '-1' } } },
      hits: { N: '11' },
      colours: { SS: ['red', 'blue', 'green'] },
    });
    const deleted = await client.send(
      new UpdateItemCommand({
        TableName: 'Counters',
        Key: counterKey,
        UpdateExpression: 'DELETE colours :red',
        ExpressionAttributeValues: { ':red': { SS: ['red'] } },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    expect(deleted.Attributes).toEqual({ colours: { SS: ['blue', 'green'] } });
    const old = await client.send(
      new UpdateItemCommand({ TableName: 'Counters', Key: counterKey, UpdateExpression: 'REMOVE tags', ReturnValues: 'UPDATED_OLD' }),
    );
    expect(old.Attributes).toEqual({ tags: { L: [{ S: 'a' }] } });
    const all = await client.send(new GetItemCommand({ TableName: 'Counters', Key: counterKey }));
    expect(all.Item).toEqual({
      id: { N: '1' },
      hits: { N: '11' },
      info: { M: { a: { N: '-1' }, elements: { L: [{ S: 'x' }, { S: 'z' }] } } },
      colours: { SS: ['blue', 'green'] },
    });
  });

  it('supports legacy AttributeUpdates', async () => {
    const result = await client.send(
      new UpdateItemCommand({
        TableName: 'Counters',
        Key: { id: { N: '2' } },
        AttributeUpdates: { count: { Action: 'ADD', Value: { N: '5' } }, name: { Action: 'PUT', Value: { S: 'two' } } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(result.Attributes).toEqual({ id: { N: '2' }, count: { N: '5' }, name: { S: 'two' } });
  });

  it('refuses to update key attributes and reports runtime errors', async () => {
    await expectDynamoError(
      client.send(new UpdateItemCommand({ TableName: 'Counters', Key: counterKey, UpdateExpression: 'SET id = :v', ExpressionAttributeValues: { ':v': { N: '3' } } })),
      'ValidationException',
      'One or more parameter values were invalid: Cannot update attribute id. This attribute is part of the key',
    );
    await expectDynamoError(
      client.send(new UpdateItemCommand({ TableName: 'Counters', Key: counterKey, UpdateExpression: 'SET x = ghost + :v', ExpressionAttributeValues: { ':v': { N: '3' } } })),
      'ValidationException',
      'The provided expression refers to an attribute that does not exist in the item',
    );
    await expectDynamoError(
      client.send(new UpdateItemCommand({ TableName: 'Counters', Key: counterKey, UpdateExpression: 'ADD colours :n', ExpressionAttributeValues: { ':n': { N: '3' } } })),
      'ValidationException',
      'An operand in the update expression has an incorrect data type',
    );
    await expectDynamoError(
      client.send(new UpdateItemCommand({ TableName: 'Counters', Key: counterKey, UpdateExpression: 'SET a = :v, a = :v', ExpressionAttributeValues: { ':v': { N: '3' } } })),
      'ValidationException',
      'Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]',
    );
  });

  it('fails on a condition, leaving the item unchanged', async () => {
    await expectDynamoError(
      client.send(
        new UpdateItemCommand({
          TableName: 'Counters',
          Key: counterKey,
          UpdateExpression: 'SET hits = :v',
          ConditionExpression: 'hits = :old',
          ExpressionAttributeValues: { ':v': { N: '0' }, ':old': { N: '12' } },
        }),
      ),
      'ConditionalCheckFailedException',
      'The conditional request failed',
    );
    const item = await client.send(new GetItemCommand({ TableName: 'Counters', Key: counterKey, ProjectionExpression: 'hits' }));
    expect(item.Item).toEqual({ hits: { N: '11' } });
  });
});

describe('DeleteItem', () => {
  it('deletes with ALL_OLD and is idempotent', async () => {
    const deleted = await client.send(new DeleteItemCommand({ TableName, Key: key, ReturnValues: 'ALL_OLD' }));
    expect(deleted.Attributes).toEqual(song);
    expect((await client.send(new GetItemCommand({ TableName, Key: key }))).Item).toBeUndefined();
    const again = await client.send(new DeleteItemCommand({ TableName, Key: key, ReturnValues: 'ALL_OLD' }));
    expect(again.Attributes).toBeUndefined();
  });

  it('keeps ItemCount and TableSizeBytes current', async () => {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'Counters' }));
    expect(Table!.ItemCount).toBe(2);
    expect(Table!.TableSizeBytes).toBeGreaterThan(0);
  });
});
