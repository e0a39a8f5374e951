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
import { isNew, isNewOrAnswerExisting, type NamedWrite, transactWrite } from '../../../../lambdas/adapters/dynamodb/transactions.js';

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
