import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServerProcess, temporaryDirectory, type ServerProcess } from '@shoal/testkit';

/**
 * The seed document's item commands, verbatim, through the real AWS CLI against the real server
 * process (`npm start`'s entrypoint).
 */
const run = promisify(execFile);
let server: ServerProcess;
let dataDir: string;

async function aws(...args: string[]): Promise<unknown> {
  const { stdout } = await run('aws', [...args, '--endpoint-url', server.url, '--output', 'json'], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'AKIDSHOALTEST',
      AWS_SECRET_ACCESS_KEY: 'shoal-test-secret',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  });
  return stdout.trim() === '' ? undefined : JSON.parse(stdout);
}

async function awsError(...args: string[]): Promise<string> {
  try {
    await aws(...args);
  } catch (error) {
    return String((error as { stderr: string }).stderr).trim();
  }
  throw new Error('expected the AWS CLI to fail');
}

beforeAll(async () => {
  dataDir = temporaryDirectory('cli');
  server = await spawnServerProcess(dataDir);
});
afterAll(async () => {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the seed document through the AWS CLI', () => {
  it('creates the Music table', async () => {
    const created = (await aws(
      'dynamodb', 'create-table',
      '--table-name', 'Music',
      '--attribute-definitions', 'AttributeName=Artist,AttributeType=S', 'AttributeName=SongTitle,AttributeType=S',
      '--key-schema', 'AttributeName=Artist,KeyType=HASH', 'AttributeName=SongTitle,KeyType=RANGE',
      '--billing-mode', 'PAY_PER_REQUEST',
    )) as { TableDescription: Record<string, unknown> };
    expect(created.TableDescription).toMatchObject({ TableName: 'Music', TableStatus: 'CREATING', ItemCount: 0 });
    await aws('dynamodb', 'wait', 'table-exists', '--table-name', 'Music');
  });

  it('put-item', async () => {
    const output = await aws('dynamodb', 'put-item',
      '--table-name', 'Music',
      '--item', `{
"Artist": {"S": "No One You Know"},
"SongTitle": {"S": "Call Me Today"},
"AlbumTitle": {"S": "Hey Now"},
"Price": {"N": "1.98"}
}`);
    expect(output).toBeUndefined();
  });

  it('get-item', async () => {
    const output = await aws('dynamodb', 'get-item',
      '--table-name', 'Music',
      '--key', `{
"Artist": {"S": "No One You Know"},
"SongTitle": {"S": "Call Me Today"}
}`);
    expect(output).toEqual({
      Item: {
        Artist: { S: 'No One You Know' },
        SongTitle: { S: 'Call Me Today' },
        AlbumTitle: { S: 'Hey Now' },
        Price: { N: '1.98' },
      },
    });
  });

  it('update-item', async () => {
    const output = await aws('dynamodb', 'update-item',
      '--table-name', 'Music',
      '--key', `{
"Artist": {"S": "No One You Know"},
"SongTitle": {"S": "Call Me Today"}
}`,
      '--update-expression', 'SET Price = :p',
      '--expression-attribute-values', '{":p": {"N": "2.49"}}');
    expect(output).toBeUndefined();
    const read = await aws('dynamodb', 'get-item', '--table-name', 'Music', '--key', '{"Artist": {"S": "No One You Know"}, "SongTitle": {"S": "Call Me Today"}}', '--projection-expression', 'Price');
    expect(read).toEqual({ Item: { Price: { N: '2.49' } } });
  });

  it('delete-item', async () => {
    const output = await aws('dynamodb', 'delete-item',
      '--table-name', 'Music',
      '--key', `{
"Artist": {"S": "No One You Know"},
"SongTitle": {"S": "Call Me Today"}
}`);
    expect(output).toBeUndefined();
    expect(await aws('dynamodb', 'get-item', '--table-name', 'Music', '--key', '{"Artist": {"S": "No One You Know"}, "SongTitle": {"S": "Call Me Today"}}')).toBeUndefined();
  });

  it('query and scan, as the seed document writes them', async () => {
    const acme = [
      { Artist: { S: 'The Acme Band' }, SongTitle: { S: 'Still in Love' }, AlbumTitle: { S: 'The Buck Starts Here' }, Price: { N: '2.47' }, Genre: { S: 'Rock' } },
      { Artist: { S: 'The Acme Band' }, SongTitle: { S: 'Look Out, World' }, AlbumTitle: { S: 'The Buck Starts Here' }, Price: { N: '0.99' }, Genre: { S: 'Rock' } },
      { Artist: { S: 'No One You Know' }, SongTitle: { S: 'My Dog Spot' }, AlbumTitle: { S: 'Hey Now' }, Price: { N: '1.98' }, Genre: { S: 'Country' } },
    ];
    for (const item of acme) await aws('dynamodb', 'put-item', '--table-name', 'Music', '--item', JSON.stringify(item));

    const all = await aws('dynamodb', 'query',
      '--table-name', 'Music',
      '--key-condition-expression', 'Artist = :artist',
      '--expression-attribute-values', '{":artist": {"S": "The Acme Band"}}');
    expect(all).toEqual({ Items: [acme[1], acme[0]], Count: 2, ScannedCount: 2, ConsumedCapacity: null });

    const prefixed = await aws('dynamodb', 'query',
      '--table-name', 'Music',
      '--key-condition-expression', 'Artist = :artist AND begins_with(SongTitle, :title)',
      '--expression-attribute-values', `{
":artist": {"S": "The Acme Band"},
":title": {"S": "S"}
}`);
    expect(prefixed).toEqual({ Items: [acme[0]], Count: 1, ScannedCount: 1, ConsumedCapacity: null });

    const rock = (await aws('dynamodb', 'scan',
      '--table-name', 'Music',
      '--filter-expression', 'Genre = :genre',
      '--expression-attribute-values', '{":genre": {"S": "Rock"}}')) as { Items: unknown[]; Count: number; ScannedCount: number };
    expect([rock.Count, rock.ScannedCount]).toEqual([2, 3]);
    expect(rock.Items).toEqual(expect.arrayContaining([acme[0], acme[1]]));
  });

  it('reports DynamoDB errors the way the CLI expects them', async () => {
    const message = await awsError('dynamodb', 'describe-table', '--table-name', 'Nope');
    expect(message).toBe(
      'An error occurred (ResourceNotFoundException) when calling the DescribeTable operation: Requested resource not found: Table: Nope not found',
    );
  });
});
