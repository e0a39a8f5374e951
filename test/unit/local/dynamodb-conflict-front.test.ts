/**
 * The conflict front's rules, driven through the real DynamoDB client pointed at the front, in front of
 * a fake upstream that records what reached it and holds requests in flight until the test lets them go.
 */
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactionConflictException,
  TransactionInProgressException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { LatencyProfile } from '../../../scripts/local/conflict-front/latency.js';
import { type ConflictFront, type ConflictFrontOptions, startConflictFront } from '../../../scripts/local/dynamodb-conflict-front.js';
import { type FakeUpstream, startFakeUpstream } from './fake-dynamodb-upstream.js';

const TABLE = 'jobs';
const key = (pk: string) => ({ pk: { S: pk }, sk: { S: 'meta' } });
const update = (pk: string): TransactWriteItem => ({
  Update: { TableName: TABLE, Key: key(pk), UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { N: '1' } } },
});
const check = (pk: string): TransactWriteItem => ({
  ConditionCheck: { TableName: TABLE, Key: key(pk), ConditionExpression: 'attribute_exists(pk)' },
});
const put = (pk: string): TransactWriteItem => ({ Put: { TableName: TABLE, Item: { v: { N: '1' }, ...key(pk) } } });
const remove = (pk: string): TransactWriteItem => ({ Delete: { TableName: TABLE, Key: { sk: { S: 'meta' }, pk: { S: pk } } } });

/** The error a call failed with (the test fails if it succeeded). */
const failure = (call: Promise<unknown>): Promise<unknown> =>
  call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );

/** One fixed value per kind of operation: what the front waits is then known exactly. */
const FIXED: LatencyProfile = {
  item: { p50: 5, p99: 5 },
  batch: { p50: 7, p99: 7 },
  transaction: [{ items: 1, percentiles: { p50: 40, p99: 40 } }],
};

let upstream: FakeUpstream;
let front: ConflictFront;
let client: DynamoDBClient;

async function start(options: Omit<ConflictFrontOptions, 'upstream'> = { latency: 'none' }): Promise<void> {
  upstream = await startFakeUpstream();
  front = await startConflictFront({ upstream: upstream.url, ...options });
  client = new DynamoDBClient({
    endpoint: front.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1, // every answer of the front is seen as it is, not retried
  });
}

const transact = (...items: TransactWriteItem[]) => client.send(new TransactWriteItemsCommand({ TransactItems: items }));

afterEach(async () => {
  client.destroy();
  await front.stop();
  await upstream.stop();
});

describe('dynamodb conflict front: transactions', () => {
  it('cancels a transaction that overlaps one in flight, with the reasons in item order, and never forwards it', async () => {
    // Prepare
    await start();
    const gate = upstream.gate('TransactWriteItems');
    const first = transact(update('account-1'), check('node-1'));
    await gate.arrived;

    // Act
    const error = await failure(transact(put('job-1'), update('account-1'), put('job-2')));

    // Assess
    expect(error).toBeInstanceOf(TransactionCanceledException);
    const canceled = error as TransactionCanceledException;
    expect(canceled.CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' },
      { Code: 'None' },
    ]);
    expect(canceled.message).toBe(
      'Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict, None]',
    );
    expect(canceled.$metadata.httpStatusCode).toBe(400);
    expect(upstream.received('TransactWriteItems')).toHaveLength(1);
    gate.release();
    await expect(first).resolves.toBeDefined();
    expect(front.stats()).toMatchObject({ transactionsCancelled: 1, forwarded: { TransactWriteItems: 1 }, heldItems: 0 });
  });

  it('counts a ConditionCheck as touching its item, on either side', async () => {
    // Prepare
    await start();
    const gate = upstream.gate('TransactWriteItems');
    const first = transact(check('node-1'), update('account-1'));
    await gate.arrived;

    // Act
    const checkOnHeldCheck = await failure(transact(update('account-2'), check('node-1')));
    const updateOnHeldCheck = await failure(transact(update('node-1')));

    // Assess
    expect((checkOnHeldCheck as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code)).toEqual([
      'None',
      'TransactionConflict',
    ]);
    expect((updateOnHeldCheck as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code)).toEqual([
      'TransactionConflict',
    ]);
    gate.release();
    await first;
  });

  it("takes a Put's key from its Item by the table's key schema, learnt once", async () => {
    // Prepare
    await start();
    const gate = upstream.gate('TransactWriteItems');
    const first = transact(put('job-1'), put('job-2'));
    await gate.arrived;

    // Act: the Delete names the same key with its attributes in another order
    const error = await failure(transact(remove('job-2'), put('job-3')));

    // Assess
    expect((error as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code)).toEqual([
      'TransactionConflict',
      'None',
    ]);
    expect(upstream.received('DescribeTable')).toHaveLength(1);
    expect(front.stats().keySchemaLookups).toBe(1);
    gate.release();
    await first;
  });

  it('lets disjoint transactions both commit, the second while the first is in flight', async () => {
    // Prepare
    await start();
    const gate = upstream.gate('TransactWriteItems');
    const first = transact(update('account-1'), check('node-1'));
    await gate.arrived;

    // Act
    await transact(update('account-2'), check('node-2'));
    gate.release();
    await first;

    // Assess
    expect(upstream.received('TransactWriteItems').map((request) => request.body.TransactItems)).toEqual([
      [update('account-1'), check('node-1')],
      [update('account-2'), check('node-2')],
    ]);
    expect(front.stats().transactionsCancelled).toBe(0);
  });

  it('frees the items when the transaction ends, committed or refused by the upstream, and relays its answer', async () => {
    // Prepare
    await start();
    const refused = upstream.gate('TransactWriteItems');
    const upstreamReasons = [{ Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' }];

    // Act
    const first = failure(transact(update('account-1')));
    await refused.arrived;
    refused.release({
      status: 400,
      body: {
        __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
        CancellationReasons: upstreamReasons,
        Message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed]',
      },
    });
    const upstreamError = await first;
    await transact(update('account-1'));
    await client.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: key('account-1'),
        UpdateExpression: 'SET v = :v',
        ExpressionAttributeValues: { ':v': { N: '2' } },
      }),
    );

    // Assess
    expect((upstreamError as TransactionCanceledException).CancellationReasons).toEqual(upstreamReasons);
    expect(upstream.received('TransactWriteItems')).toHaveLength(2);
    expect(upstream.received('UpdateItem')).toHaveLength(1);
    expect(front.stats()).toMatchObject({ transactionsCancelled: 0, singleWritesRefused: 0, heldItems: 0 });
  });

  it('frees the items when the upstream cannot be reached', async () => {
    // Prepare
    await start();
    await upstream.stop();

    // Act
    const unreachable = await failure(transact(update('account-1')));

    // Assess
    expect((unreachable as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(500);
    expect(front.stats().heldItems).toBe(0);
  });

  it('answers TransactionInProgressException to a repeat of a transaction still in flight (same ClientRequestToken)', async () => {
    // Prepare
    await start();
    const gate = upstream.gate('TransactWriteItems');
    const command = () => new TransactWriteItemsCommand({ TransactItems: [update('account-1')], ClientRequestToken: 'job-1-attempt' });
    const first = client.send(command());
    await gate.arrived;

    // Act
    const repeat = await failure(client.send(command()));

    // Assess
    expect(repeat).toBeInstanceOf(TransactionInProgressException);
    expect(upstream.received('TransactWriteItems')).toHaveLength(1);
    gate.release();
    await first;
    await client.send(command());
    expect(upstream.received('TransactWriteItems')).toHaveLength(2);
  });
});

describe('dynamodb conflict front: single-item writes and reads', () => {
  it('refuses a PutItem, UpdateItem or DeleteItem on an item a transaction holds, and forwards one on a free item', async () => {
    // Prepare
    await start();
    const gate = upstream.gate('TransactWriteItems');
    const first = transact(update('account-1'), check('node-1'));
    await gate.arrived;

    // Act
    const refused = await Promise.all([
      failure(client.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('account-1'), v: { N: '3' } } }))),
      failure(client.send(new UpdateItemCommand({ TableName: TABLE, Key: key('node-1'), UpdateExpression: 'REMOVE v' }))),
      failure(client.send(new DeleteItemCommand({ TableName: TABLE, Key: key('account-1') }))),
    ]);
    await client.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('account-2'), v: { N: '3' } } }));

    // Assess
    for (const error of refused) {
      expect(error).toBeInstanceOf(TransactionConflictException);
      expect((error as TransactionConflictException).message).toBe('Transaction is ongoing for the item');
      expect((error as TransactionConflictException).$metadata.httpStatusCode).toBe(400);
    }
    expect(upstream.received('PutItem').map((request) => request.body.Item)).toEqual([{ ...key('account-2'), v: { N: '3' } }]);
    expect(upstream.received('UpdateItem')).toHaveLength(0);
    expect(upstream.received('DeleteItem')).toHaveLength(0);
    expect(front.stats()).toMatchObject({ singleWritesRefused: 3, forwarded: { PutItem: 1 } });
    gate.release();
    await first;
  });

  it('passes reads of a held item through, with the upstream answer and headers', async () => {
    // Prepare
    await start();
    const gate = upstream.gate('TransactWriteItems');
    const first = transact(update('account-1'));
    await gate.arrived;

    // Act
    const read = await client.send(new GetItemCommand({ TableName: TABLE, Key: key('account-1'), ConsistentRead: true }));
    const query = await client.send(
      new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'account-1' } } }),
    );

    // Assess
    expect(read.Item).toEqual({ ...key('account-1'), state: { S: 'committed' } });
    expect(read.$metadata.requestId).toMatch(/^UPSTREAM-\d+$/);
    expect(query.Count).toBe(0);
    gate.release();
    await first;
  });

  it('forwards the request as the client signed it, to the upstream host', async () => {
    // Prepare
    await start();

    // Act
    await client.send(new GetItemCommand({ TableName: TABLE, Key: key('account-1') }));

    // Assess
    const [forwarded] = upstream.received('GetItem');
    expect(forwarded?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-east-1\/dynamodb\/aws4_request/);
    expect(forwarded?.headers.host).toBe(new URL(upstream.url).host);
    expect(forwarded?.headers['content-type']).toBe('application/x-amz-json-1.0');
  });
});

describe('dynamodb conflict front: added latency and stop', () => {
  it("adds nothing with latency 'none'", async () => {
    // Prepare
    const waits: number[] = [];
    await start({ latency: 'none', sleep: async (ms) => void waits.push(ms) });

    // Act
    await transact(update('account-1'));
    await client.send(new GetItemCommand({ TableName: TABLE, Key: key('account-1') }));

    // Assess
    expect(waits).toEqual([]);
  });

  it('waits the drawn latency of each call, a cancelled transaction and a refused write included', async () => {
    // Prepare
    const waits: number[] = [];
    await start({ latency: FIXED, sleep: async (ms) => void waits.push(ms) });
    const gate = upstream.gate('TransactWriteItems');
    const first = transact(update('account-1'));
    await gate.arrived;

    // Act
    await failure(transact(update('account-1'), update('account-2')));
    await failure(client.send(new DeleteItemCommand({ TableName: TABLE, Key: key('account-1') })));
    await client.send(new GetItemCommand({ TableName: TABLE, Key: key('account-1') }));
    gate.release();
    await first;

    // Assess: the first transaction, the cancelled one, the refused Delete, the read; DescribeTable none
    expect(waits).toEqual([40, 40, 5, 5]);
  });

  it('closes its port and drops the calls still waiting when stopped', async () => {
    // Prepare
    let waiting = () => {};
    const started = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    await start({
      latency: FIXED,
      sleep: (_ms, signal) =>
        new Promise<void>((_resolve, reject) => {
          waiting();
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
    });
    const pending = failure(client.send(new GetItemCommand({ TableName: TABLE, Key: key('account-1') })));
    await started;

    // Act
    await front.stop();

    // Assess
    expect(await pending).toBeInstanceOf(Error);
    expect(await failure(fetch(front.url, { method: 'POST' }))).toBeInstanceOf(TypeError);
    expect(upstream.requests).toHaveLength(0);
  });
});
