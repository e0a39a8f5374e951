/**
 * The conflict front in front of the real emulator: two transactions on the same item, the second sent
 * while the first holds it, end as on DynamoDB (one commits, the other is cancelled with
 * TransactionConflict), where the emulator alone would run both one after the other. The file works on a
 * small table of its own, so nothing else in the suite can see or change its items.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { AWS_PROFILE } from '../../scripts/local/conflict-front/latency.js';
import { type ConflictFront, startConflictFront } from '../../scripts/local/dynamodb-conflict-front.js';

const table = `conflict-front-${randomBytes(4).toString('hex')}`;
const emulator = new DynamoDBClient({});
let front: ConflictFront;
let client: DynamoDBClient;

beforeAll(async () => {
  await emulator.send(
    new CreateTableCommand({
      TableName: table,
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await waitUntilTableExists({ client: emulator, maxWaitTime: 60 }, { TableName: table });
  // DynamoDB's figures, but transactions held a fixed 500 ms: the second transaction is sent once the
  // first holds its items, and must arrive before it ends however loaded the machine is.
  front = await startConflictFront({
    upstream: inject('localStack').awsEnv.AWS_ENDPOINT_URL as string,
    latency: { ...AWS_PROFILE, transaction: [{ items: 1, percentiles: { p50: 500, p99: 500 } }] },
    seed: 11,
  });
  client = new DynamoDBClient({ endpoint: front.url, maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  await front?.stop();
  await emulator.send(new DeleteTableCommand({ TableName: table }));
  emulator.destroy();
});

const key = (pk: string) => ({ pk: { S: pk }, sk: { S: 'meta' } });
const addOne = (pk: string) => ({
  Update: { TableName: table, Key: key(pk), UpdateExpression: 'ADD reservations :one', ExpressionAttributeValues: { ':one': { N: '1' } } },
});
const putNew = (pk: string) => ({ Put: { TableName: table, Item: key(pk), ConditionExpression: 'attribute_not_exists(pk)' } });

describe('conflict front in front of the emulator', () => {
  it('cancels the second of two overlapping transactions on one item with TransactionConflict', async () => {
    // Act
    const first = client.send(new TransactWriteItemsCommand({ TransactItems: [putNew('job-1'), addOne('account')] }));
    await vi.waitFor(() => expect(front.stats().heldItems).toBe(2), { timeout: 5_000, interval: 5 });
    const second = await client.send(new TransactWriteItemsCommand({ TransactItems: [addOne('account'), putNew('job-2')] })).then(
      () => undefined,
      (error: unknown) => error,
    );
    await first;

    // Assess
    expect(second).toBeInstanceOf(TransactionCanceledException);
    expect((second as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code)).toEqual([
      'TransactionConflict',
      'None',
    ]);
    const read = async (pk: string) =>
      (await client.send(new GetItemCommand({ TableName: table, Key: key(pk), ConsistentRead: true }))).Item;
    expect((await read('account'))?.reservations).toEqual({ N: '1' });
    expect(await read('job-1')).toEqual(key('job-1'));
    expect(await read('job-2')).toBeUndefined();
    expect(front.stats()).toMatchObject({
      transactionsCancelled: 1,
      forwarded: { TransactWriteItems: 1 },
      keySchemaLookups: 1,
      heldItems: 0,
    });
  });
});
