/**
 * How a cancelled transaction is decoded: by the name of the write that failed, whatever its
 * place in the transaction. The client is stubbed: the emulator cannot be made to answer a
 * TransactionConflict, a throttled item or a reason without its `Item` on demand.
 */
import {
  type CancellationReason,
  type DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  type CancelReason,
  isNew,
  isNewOrAnswerExisting,
  type NamedWrite,
  transactWrite,
  useTransactionHooks,
} from '../../../../lambdas/adapters/dynamodb/transactions.js';

const JOB = { pk: { S: 'JOB#c#j' }, sk: { S: 'JOB' }, status: { S: 'queued' } };
const ACCOUNT_KEY = { pk: { S: 'CUSTOMER#c' }, sk: { S: 'ACCOUNT' } };

const writes: NamedWrite<'job' | 'account' | 'ledger'>[] = [
  { name: 'job', write: { Put: { TableName: 't', Item: JOB, ...isNewOrAnswerExisting } } },
  {
    name: 'account',
    write: { Update: { TableName: 't', Key: ACCOUNT_KEY, UpdateExpression: 'SET v = :v', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
  },
  { name: 'ledger', write: { Put: { TableName: 't', Item: { pk: { S: 'LEDGER#c' }, sk: { S: '1' } }, ...isNew } } },
];

/** A client whose transaction is cancelled with `reasons` (in the order of the writes it was sent), and whose reads answer `stored`. */
function cancellingClient(reasons: (order: TransactWriteItem[]) => CancellationReason[], stored?: Record<string, unknown>) {
  const reads: unknown[] = [];
  const client = {
    send: async (command: unknown) => {
      if (command instanceof TransactWriteItemsCommand) {
        throw new TransactionCanceledException({
          message: 'Transaction cancelled',
          $metadata: {},
          CancellationReasons: reasons(command.input.TransactItems ?? []),
        });
      }
      if (command instanceof GetItemCommand) {
        reads.push(command.input.Key);
        return { Item: stored };
      }
      throw new Error('unexpected command');
    },
  } as unknown as DynamoDBClient;
  return { client, reads };
}

/** The reasons DynamoDB would give when the write named `failed` fails with `code`. */
const failing =
  (failed: string, code: string, item?: Record<string, unknown>) =>
  (order: TransactWriteItem[]): CancellationReason[] =>
    order.map((write) =>
      writes.find((named) => named.write === write)?.name === failed
        ? ({ Code: code, ...(item === undefined ? {} : { Item: item }) } as CancellationReason)
        : { Code: 'None' },
    );

describe('transactWrite', () => {
  it.each([
    ['in order', writes],
    ['reordered', [...writes].reverse()],
  ])('names the write whose condition failed, with its item, %s', async (_, order) => {
    const { client } = cancellingClient(failing('account', 'ConditionalCheckFailed', ACCOUNT_KEY));

    const outcome = await transactWrite(client, order);

    expect(outcome).toEqual({ type: 'condition_failed', name: 'account', item: ACCOUNT_KEY });
  });

  it('reads the item an emulator left out of an ALL_OLD reason, by the write’s own key', async () => {
    const { client, reads } = cancellingClient(failing('job', 'ConditionalCheckFailed'), JOB);

    const outcome = await transactWrite(client, writes);

    expect(outcome).toEqual({ type: 'condition_failed', name: 'job', item: JOB });
    expect(reads).toEqual([{ pk: JOB.pk, sk: JOB.sk }]);
  });

  it('reads nothing back for a failed write that did not ask for ALL_OLD', async () => {
    const { client, reads } = cancellingClient(failing('ledger', 'ConditionalCheckFailed'));

    expect(await transactWrite(client, writes)).toEqual({ type: 'condition_failed', name: 'ledger', item: undefined });
    expect(reads).toEqual([]);
  });

  it.each(['TransactionConflict', 'ThrottlingError'])('answers a conflict to retry for %s', async (code) => {
    const { client } = cancellingClient(failing('account', code));

    expect(await transactWrite(client, writes)).toEqual({ type: 'conflict' });
  });

  it('answers a conflict when the reasons are missing', async () => {
    const { client } = cancellingClient(() => []);

    expect(await transactWrite(client, writes)).toEqual({ type: 'conflict' });
  });

  it('throws a ValidationError: no retry can cure it', async () => {
    const { client } = cancellingClient(failing('ledger', 'ValidationError'));

    await expect(transactWrite(client, writes)).rejects.toBeInstanceOf(TransactionCanceledException);
  });

  it('answers committed when the transaction goes through', async () => {
    const client = { send: async () => ({}) } as unknown as DynamoDBClient;

    expect(await transactWrite(client, writes)).toEqual({ type: 'committed' });
  });
});

/** A stub client answering each TransactWriteItems in turn from `answers` (an error is thrown), recording the commands. */
function scriptedClient(answers: (Error | 'ok')[]) {
  const sent: TransactWriteItemsCommand[] = [];
  const client = {
    send: async (command: TransactWriteItemsCommand) => {
      sent.push(command);
      const answer = answers.shift() ?? 'ok';
      if (answer !== 'ok') throw answer;
      return {};
    },
  } as unknown as DynamoDBClient;
  return { client, sent };
}

const timedOut = () => Object.assign(new Error('socket timed out'), { name: 'TimeoutError', $metadata: {} });
const inProgress = () =>
  Object.assign(new Error('in progress'), { name: 'TransactionInProgressException', $metadata: { httpStatusCode: 400 } });
const serverError = () => Object.assign(new Error('internal'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } });

describe('transactWrite with an unknown outcome (stubbed client: the emulator cannot lose an answer)', () => {
  it('sends a ClientRequestToken, and a new one for each transaction', async () => {
    const { client, sent } = scriptedClient(['ok', 'ok']);

    await transactWrite(client, writes);
    await transactWrite(client, writes);

    const [first, second] = sent.map((command) => command.input.ClientRequestToken);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).not.toBe(first);
  });

  it('repeats the same request with the same token after a timeout, a 5xx and a transaction in progress, until it is answered', async () => {
    const { client, sent } = scriptedClient([timedOut(), serverError(), inProgress(), 'ok']);

    expect(await transactWrite(client, writes)).toEqual({ type: 'committed' });

    expect(sent).toHaveLength(4);
    expect(new Set(sent.map((command) => command.input.ClientRequestToken)).size).toBe(1);
    expect(new Set(sent.map((command) => JSON.stringify(command.input.TransactItems))).size).toBe(1);
  });

  it('does not repeat a definite refusal', async () => {
    const refused = Object.assign(new Error('bad'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    const { client, sent } = scriptedClient([refused]);

    await expect(transactWrite(client, writes)).rejects.toBe(refused);
    expect(sent).toHaveLength(1);
  });

  it('asks settleUnknown once the settle instant has passed, and answers by what it found', async () => {
    for (const [committed, outcome] of [
      [true, { type: 'committed' }],
      [false, { type: 'conflict' }],
    ] as const) {
      const { client, sent } = scriptedClient([timedOut(), timedOut(), timedOut()]);
      useTransactionHooks(client, { cancelled: () => {}, settleBy: () => Date.now() + 60 });
      let settled = 0;

      const result = await transactWrite(client, writes, {
        settleUnknown: async () => {
          settled += 1;
          return committed;
        },
      });

      expect(result).toEqual(outcome);
      expect(settled).toBe(1);
      expect(sent.length).toBeGreaterThanOrEqual(1);
    }
  });

  it('throws the unknown outcome past the settle instant when there is no way to settle it', async () => {
    const { client } = scriptedClient([timedOut(), timedOut()]);
    useTransactionHooks(client, { cancelled: () => {}, settleBy: () => Date.now() });

    await expect(transactWrite(client, writes)).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});

describe('transactWrite counts each cancelled transaction once, by reason (stubbed client)', () => {
  it.each([
    ['ConditionalCheckFailed', 'condition'],
    ['TransactionConflict', 'transaction_conflict'],
    ['ThrottlingError', 'throttled'],
  ])('%s → %s', async (code, reason) => {
    const { client } = cancellingClient(failing('account', code, ACCOUNT_KEY));
    const counted: CancelReason[] = [];
    useTransactionHooks(client, { cancelled: (why) => counted.push(why), settleBy: () => Date.now() });

    await transactWrite(client, writes);

    expect(counted).toEqual([reason]);
  });

  it('counts a throttled call as throttled and answers a conflict to retry', async () => {
    const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    const { client } = scriptedClient([throttled]);
    const counted: CancelReason[] = [];
    useTransactionHooks(client, { cancelled: (why) => counted.push(why), settleBy: () => Date.now() });

    expect(await transactWrite(client, writes)).toEqual({ type: 'conflict' });
    expect(counted).toEqual(['throttled']);
  });
});
