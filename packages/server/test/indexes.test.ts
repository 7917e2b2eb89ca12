import {
  CreateTableCommand,
  DescribeTableCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '@shoal/base';
import { expectDynamoError, startTestServer, testClient, waitFor } from '@shoal/testkit';

let server: Awaited<ReturnType<typeof startTestServer>>;
let client: DynamoDBClient;
const TableName = 'Music';

const song = (artist: string, title: string, album: string | undefined, genre: string | undefined, price: string) => ({
  Artist: { S: artist },
  SongTitle: { S: title },
  ...(album ? { AlbumTitle: { S: album } } : {}),
  ...(genre ? { Genre: { S: genre } } : {}),
  Price: { N: price },
});

beforeAll(async () => {
  server = await startTestServer();
  client = testClient(server.url);
  await client.send(
    new CreateTableCommand({
      TableName,
      AttributeDefinitions: [
        { AttributeName: 'Artist', AttributeType: 'S' },
        { AttributeName: 'SongTitle', AttributeType: 'S' },
        { AttributeName: 'AlbumTitle', AttributeType: 'S' },
        { AttributeName: 'Genre', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'Artist', KeyType: 'HASH' },
        { AttributeName: 'SongTitle', KeyType: 'RANGE' },
      ],
      LocalSecondaryIndexes: [
        { IndexName: 'ByAlbum', KeySchema: [{ AttributeName: 'Artist', KeyType: 'HASH' }, { AttributeName: 'AlbumTitle', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' } },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'GenreAlbumIndex',
          KeySchema: [{ AttributeName: 'Genre', KeyType: 'HASH' }, { AttributeName: 'AlbumTitle', KeyType: 'RANGE' }],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['Price'] },
        },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await waitFor(async () => (await client.send(new DescribeTableCommand({ TableName }))).Table?.TableStatus === 'ACTIVE', 'table');
  for (const item of [
    song('The Acme Band', 'Still in Love', 'The Buck Starts Here', 'Rock', '2.47'),
    song('The Acme Band', 'Look Out, World', 'The Buck Starts Here', 'Rock', '0.99'),
    song('The Acme Band', 'Zebra', 'Animals', 'Rock', '1.5'),
    song('The Acme Band', 'Untitled demo', undefined, undefined, '0'),
    song('No One You Know', 'My Dog Spot', 'Hey Now', 'Country', '1.98'),
  ]) {
    await client.send(new PutItemCommand({ TableName, Item: item }));
  }
});
afterAll(async () => {
  client.destroy();
  await server.close();
});

describe('local secondary index', () => {
  it('orders an item collection by the index sort key, sparse, with consistent reads', async () => {
    const result = await client.send(
      new QueryCommand({ TableName, IndexName: 'ByAlbum', KeyConditionExpression: 'Artist = :a', ExpressionAttributeValues: { ':a': { S: 'The Acme Band' } }, ConsistentRead: true }),
    );
    expect(result.Items).toEqual([
      { Artist: { S: 'The Acme Band' }, SongTitle: { S: 'Zebra' }, AlbumTitle: { S: 'Animals' } },
      { Artist: { S: 'The Acme Band' }, SongTitle: { S: 'Look Out, World' }, AlbumTitle: { S: 'The Buck Starts Here' } },
      { Artist: { S: 'The Acme Band' }, SongTitle: { S: 'Still in Love' }, AlbumTitle: { S: 'The Buck Starts Here' } },
    ]);
  });

  it('fetches attributes outside the projection from the table', async () => {
    const result = await client.send(
      new QueryCommand({ TableName, IndexName: 'ByAlbum', KeyConditionExpression: 'Artist = :a AND AlbumTitle = :t', ExpressionAttributeValues: { ':a': { S: 'The Acme Band' }, ':t': { S: 'Animals' } }, Select: 'ALL_ATTRIBUTES' }),
    );
    expect(result.Items).toEqual([song('The Acme Band', 'Zebra', 'Animals', 'Rock', '1.5')]);
  });
});

describe('global secondary index', () => {
  // Global indexes are eventually consistent, as DynamoDB's are: reads poll until they converge.
  it('answers the seed use case: query by Genre and AlbumTitle', async () => {
    const query = async () =>
      (
        await client.send(
          new QueryCommand({
            TableName,
            IndexName: 'GenreAlbumIndex',
            KeyConditionExpression: 'Genre = :g AND AlbumTitle = :t',
            ExpressionAttributeValues: { ':g': { S: 'Rock' }, ':t': { S: 'The Buck Starts Here' } },
          }),
        )
      ).Items;
    await expect.poll(query, { timeout: 10_000 }).toEqual([
      { Artist: { S: 'The Acme Band' }, SongTitle: { S: 'Look Out, World' }, AlbumTitle: { S: 'The Buck Starts Here' }, Genre: { S: 'Rock' }, Price: { N: '0.99' } },
      { Artist: { S: 'The Acme Band' }, SongTitle: { S: 'Still in Love' }, AlbumTitle: { S: 'The Buck Starts Here' }, Genre: { S: 'Rock' }, Price: { N: '2.47' } },
    ]);
  });

  it('moves entries when index keys change, and pages with index keys in LastEvaluatedKey', async () => {
    await client.send(new UpdateItemCommand({ TableName, Key: { Artist: { S: 'The Acme Band' }, SongTitle: { S: 'Zebra' } }, UpdateExpression: 'SET Genre = :g', ExpressionAttributeValues: { ':g': { S: 'Jazz' } } }));
    const jazz = async () => (await client.send(new QueryCommand({ TableName, IndexName: 'GenreAlbumIndex', KeyConditionExpression: 'Genre = :g', ExpressionAttributeValues: { ':g': { S: 'Jazz' } } }))).Items;
    await expect.poll(async () => (await jazz())?.map((item) => item.SongTitle?.S), { timeout: 10_000 }).toEqual(['Zebra']);
    const page = await client.send(new QueryCommand({ TableName, IndexName: 'GenreAlbumIndex', KeyConditionExpression: 'Genre = :g', ExpressionAttributeValues: { ':g': { S: 'Rock' } }, Limit: 1 }));
    expect(page.LastEvaluatedKey).toEqual({ Artist: { S: 'The Acme Band' }, SongTitle: { S: 'Look Out, World' }, Genre: { S: 'Rock' }, AlbumTitle: { S: 'The Buck Starts Here' } });
    const next = await client.send(new QueryCommand({ TableName, IndexName: 'GenreAlbumIndex', KeyConditionExpression: 'Genre = :g', ExpressionAttributeValues: { ':g': { S: 'Rock' } }, ExclusiveStartKey: page.LastEvaluatedKey }));
    expect(next.Items?.map((item) => item.SongTitle?.S)).toEqual(['Still in Love']);
  });

  it('rejects what DynamoDB rejects', async () => {
    await expectDynamoError(
      client.send(new QueryCommand({ TableName, IndexName: 'GenreAlbumIndex', KeyConditionExpression: 'Genre = :g', ExpressionAttributeValues: { ':g': { S: 'Rock' } }, ConsistentRead: true })),
      'ValidationException',
      'Consistent reads are not supported on global secondary indexes',
    );
    await expectDynamoError(
      client.send(new QueryCommand({ TableName, IndexName: 'Nope', KeyConditionExpression: 'Genre = :g', ExpressionAttributeValues: { ':g': { S: 'Rock' } } })),
      'ValidationException',
      'The table does not have the specified index: Nope',
    );
  });

  it('is described with its keys, projection, status and counts', async () => {
    const { Table } = await client.send(new DescribeTableCommand({ TableName }));
    expect(Table?.LocalSecondaryIndexes?.map((index) => [index.IndexName, index.ItemCount])).toEqual([['ByAlbum', 4]]);
    const described = async () => (await client.send(new DescribeTableCommand({ TableName }))).Table?.GlobalSecondaryIndexes;
    await expect.poll(async () => (await described())?.map((index) => [index.IndexName, index.IndexStatus, index.ItemCount, index.Projection]), { timeout: 10_000 }).toEqual([
      ['GenreAlbumIndex', 'ACTIVE', 4, { ProjectionType: 'INCLUDE', NonKeyAttributes: ['Price'] }],
    ]);
  });
});

describe('creating a global index on a live table', () => {
  it('backfills while writes continue, and converges to exactly the table projection', async () => {
    const random = new SeededRandom(99);
    const key = (n: number) => ({ Artist: { S: `artist${n % 7}` }, SongTitle: { S: `song${n}` } });
    for (let n = 0; n < 300; n++) {
      await client.send(new PutItemCommand({ TableName, Item: { ...key(n), Price: { N: String(random.int(100)) } } }));
    }
    await client.send(
      new UpdateTableCommand({
        TableName,
        AttributeDefinitions: [{ AttributeName: 'Price', AttributeType: 'N' }],
        GlobalSecondaryIndexUpdates: [{ Create: { IndexName: 'ByPrice', KeySchema: [{ AttributeName: 'Price', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } } }],
      }),
    );
    let writes = 0;
    let indexActive = false;
    while (!indexActive || writes < 200) {
      const n = random.int(400);
      if (random.chance(0.2)) await client.send(new UpdateItemCommand({ TableName, Key: key(n), UpdateExpression: 'REMOVE Price' }));
      else await client.send(new PutItemCommand({ TableName, Item: { ...key(n), Price: { N: String(random.int(100)) } } }));
      writes++;
      if (writes % 20 === 0 || writes >= 200) {
        const { Table } = await client.send(new DescribeTableCommand({ TableName }));
        indexActive = Table?.GlobalSecondaryIndexes?.find((index) => index.IndexName === 'ByPrice')?.IndexStatus === 'ACTIVE';
      }
      expect(writes).toBeLessThan(20_000);
    }
    const scanAll = async (input: { IndexName?: string }) => {
      const rows: string[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName, ...input, ExclusiveStartKey: start }));
        for (const item of page.Items ?? []) if (item.Price) rows.push(`${item.Artist?.S}|${item.SongTitle?.S}|${item.Price.N}`);
        start = page.LastEvaluatedKey;
      } while (start);
      return rows.sort();
    };
    const table = await scanAll({});
    expect(table.length).toBeGreaterThan(100);
    await expect.poll(() => scanAll({ IndexName: 'ByPrice' }), { timeout: 10_000 }).toEqual(table);
  });
});

describe('item collections of tables with local indexes', () => {
  it('reports their size and refuses writes past the (configurable) limit', async () => {
    const small = await startTestServer({ inMemory: true, itemCollectionBytesMax: 2000 });
    const smallClient = testClient(small.url);
    try {
      await smallClient.send(
        new CreateTableCommand({
          TableName: 'Small',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
            { AttributeName: 'other', AttributeType: 'S' },
          ],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
          LocalSecondaryIndexes: [{ IndexName: 'ByOther', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'other', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      await waitFor(async () => (await smallClient.send(new DescribeTableCommand({ TableName: 'Small' }))).Table?.TableStatus === 'ACTIVE', 'table');
      const put = (sk: string) =>
        smallClient.send(new PutItemCommand({ TableName: 'Small', Item: { pk: { S: 'p' }, sk: { S: sk }, other: { S: sk }, pad: { S: 'x'.repeat(300) } }, ReturnItemCollectionMetrics: 'SIZE' }));
      const first = await put('a');
      expect(first.ItemCollectionMetrics).toEqual({ ItemCollectionKey: { pk: { S: 'p' } }, SizeEstimateRangeGB: [0, 1] });
      await put('b');
      await put('c');
      await expectDynamoError(put('d'), 'ItemCollectionSizeLimitExceededException', 'Collection size exceeded.');
      // Other collections are unaffected, and shrinking a full collection is allowed.
      await smallClient.send(new PutItemCommand({ TableName: 'Small', Item: { pk: { S: 'q' }, sk: { S: 'a' } } }));
      await smallClient.send(new PutItemCommand({ TableName: 'Small', Item: { pk: { S: 'p' }, sk: { S: 'a' } } }));
      await put('d');
    } finally {
      smallClient.destroy();
      await small.close();
    }
  });
});
