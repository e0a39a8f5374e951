/**
 * Runs one TransactWriteItems built from named items and reports, by name, which condition
 * stopped it, with the item as it stood (`ReturnValuesOnConditionCheckFailure: ALL_OLD`), so
 * callers decide without a second read. Cancellation reasons come back in the order of the
 * items; they are mapped back to names here, and only here, so reordering a transaction's items
 * cannot mislabel a conflict.
 */
import {
  type CancellationReason,
  type DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import type { Item } from './attributes.js';

/** One write (or condition check) of a transaction, named for the outcome it can cause. */
interface NamedWrite<Name extends string> {
  name: Name;
  write: TransactWriteItem;
}

type TransactionOutcome<Name extends string> =
  | { type: 'committed' }
  /** The condition of the named item failed; `item` is that item as it stood, if it existed. */
  | { type: 'condition_failed'; name: Name; item: Item | undefined }
  /** Another transaction on the same items was in flight (or DynamoDB throttled): read again and retry. */
  | { type: 'conflict' };

/** The write succeeds only if no item has its key yet (a new job, ledger row, credit...). */
const isNew = { ConditionExpression: 'attribute_not_exists(pk)' } as const;

/** As `isNew`, and a failure answers the item that was already there. */
const isNewOrAnswerExisting = { ...isNew, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const };

/** Reason codes a retry cannot cure: the request itself is wrong. */
const UNRETRYABLE = new Set(['ValidationError', 'ItemCollectionSizeLimitExceeded']);

async function transactWrite<Name extends string>(
  client: DynamoDBClient,
  writes: readonly NamedWrite<Name>[],
): Promise<TransactionOutcome<Name>> {
  try {
    await client.send(new TransactWriteItemsCommand({ TransactItems: writes.map((entry) => entry.write) }));
    return { type: 'committed' };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    return decodeCancellation(client, writes, error);
  }
}

async function decodeCancellation<Name extends string>(
  client: DynamoDBClient,
  writes: readonly NamedWrite<Name>[],
  error: TransactionCanceledException,
): Promise<TransactionOutcome<Name>> {
  const reasons: (CancellationReason | undefined)[] = error.CancellationReasons ?? [];
  const failed = reasons.findIndex((reason) => reason?.Code === 'ConditionalCheckFailed');
  const write = writes[failed];
  if (write !== undefined) {
    const item = reasons[failed]?.Item ?? (await readItemTheEmulatorLeftOut(client, write.write));
    return { type: 'condition_failed', name: write.name, item };
  }
  if (reasons.some((reason) => reason?.Code !== undefined && UNRETRYABLE.has(reason.Code))) throw error;
  // TransactionConflict, throttling, or reasons an emulator left out: the caller re-reads and tries again.
  return { type: 'conflict' };
}

/**
 * The emulator workaround, kept apart: DynamoDB answers the old item of a failed condition when
 * `ALL_OLD` was asked for, but an emulator may leave `Item` out of its cancellation reasons (the
 * store used to read the job back for "an emulator that drops Item"; ministack 1.5.33 does send
 * it). When it is missing, read the item, so the outcome is the same either way. On DynamoDB a
 * missing `Item` means there was no item, and this read finds none either.
 */
async function readItemTheEmulatorLeftOut(client: DynamoDBClient, write: TransactWriteItem): Promise<Item | undefined> {
  const target = write.Put ?? write.Update ?? write.Delete;
  if (target === undefined || target.ReturnValuesOnConditionCheckFailure !== 'ALL_OLD') return undefined;
  const key = 'Key' in target && target.Key !== undefined ? target.Key : keyOf((target as { Item: Item }).Item);
  const result = await client.send(new GetItemCommand({ TableName: target.TableName, Key: key, ConsistentRead: true }));
  return result.Item;
}

const keyOf = (item: Item): Item => ({ pk: item.pk as Item[string], sk: item.sk as Item[string] });

export type { NamedWrite, TransactionOutcome };
export { isNew, isNewOrAnswerExisting, transactWrite };
