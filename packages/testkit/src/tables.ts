import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient, type ScalarAttributeType } from '@aws-sdk/client-dynamodb';

const ACTIVE_POLLS_MAX = 500;

/** Creates an on-demand table with the given key attributes and waits until it is ACTIVE. */
export async function createTable(
  client: DynamoDBClient,
  TableName: string,
  partitionKey: [string, ScalarAttributeType],
  sortKey?: [string, ScalarAttributeType],
): Promise<void> {
  const keys = sortKey ? [partitionKey, sortKey] : [partitionKey];
  await client.send(
    new CreateTableCommand({
      TableName,
      AttributeDefinitions: keys.map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
      KeySchema: keys.map(([AttributeName], i) => ({ AttributeName, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  for (let poll = 0; poll < ACTIVE_POLLS_MAX; poll++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`${TableName} never became ACTIVE`);
}
