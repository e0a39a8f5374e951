/**
 * Runs one TransactWriteItems built from named items and reports, by name, which condition
 * stopped it, with the item as it stood (`ReturnValuesOnConditionCheckFailure: ALL_OLD`), so
 * callers decide without a second read. Cancellation reasons come back in the order of the
 * items; they are mapped back to names here, and only here, so reordering a transaction's items
 * cannot mislabel a conflict.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
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

/** Why DynamoDB cancelled a transaction, as the metrics count it. */
type CancelReason = 'condition' | 'transaction_conflict' | 'throttled';

/** What the wiring gives the transactions of one client: where they count cancellations, and their deadline. */
interface TransactionHooks {
  cancelled(reason: CancelReason): void;
  /** The instant (epoch ms) by which an unknown outcome must be learnt (the request's deadline and margin), read at the first send. */
  settleBy(): number;
}

/**
 * Hooks per client, set once where the store is built (control-plane-store.ts), so that every
 * caller keeps calling `transactWrite(client, writes)`.
 */
const hooksOf = new WeakMap<DynamoDBClient, TransactionHooks>();

function useTransactionHooks(client: DynamoDBClient, hooks: TransactionHooks): void {
  hooksOf.set(client, hooks);
}

/** Without hooks (a test, a script): nothing counted, and unknown outcomes are pursued for up to 20 s. */
const NO_HOOKS: TransactionHooks = { cancelled: () => {}, settleBy: () => Date.now() + 20_000 };

/** The pause between two sends of one token while the first may still be in flight. */
const REPEAT_PAUSE_MS = 50;

interface TransactOptions {
  /**
   * When the outcome is still unknown at the deadline: make sure the transaction can no longer
   * commit, or learn that it did (`true`). Without it, the last error is thrown.
   */
  settleUnknown?: () => Promise<boolean>;
}

/**
 * Runs one TransactWriteItems with a ClientRequestToken of its own. A send that ends without a
 * definite answer (a timeout, a network error, a 5xx, `TransactionInProgressException`) may or
 * may not have committed, so it is repeated with the same token and the same items: DynamoDB
 * answers a repeat within 10 minutes from the first outcome (success if it committed) instead of
 * applying it twice. The rule: repeat until a definite answer, up to the request's settle
 * instant (its deadline plus most of the margin kept for this); only if that passes is
 * `settleUnknown` asked to fence the transaction out (job-store.ts) or to find it committed. An
 * answer other than success then always means nothing was written.
 */
async function transactWrite<Name extends string>(
  client: DynamoDBClient,
  writes: readonly NamedWrite<Name>[],
  options: TransactOptions = {},
): Promise<TransactionOutcome<Name>> {
  const hooks = hooksOf.get(client) ?? NO_HOOKS;
  const settleBy = hooks.settleBy();
  const command = new TransactWriteItemsCommand({ TransactItems: writes.map((entry) => entry.write), ClientRequestToken: randomUUID() });
  for (;;) {
    try {
      await client.send(command);
      return { type: 'committed' };
    } catch (error) {
      if (error instanceof TransactionCanceledException) return decodeCancellation(client, writes, error, hooks);
      if (isThrottling(error)) {
        hooks.cancelled('throttled');
        return { type: 'conflict' };
      }
      if (!isUnknownOutcome(error)) throw error;
      if (Date.now() + REPEAT_PAUSE_MS >= settleBy) {
        if (options.settleUnknown === undefined) throw error;
        return (await options.settleUnknown()) ? { type: 'committed' } : { type: 'conflict' };
      }
      await sleep(REPEAT_PAUSE_MS);
    }
  }
}

/** Whether a failed send may have committed: no service answer, a server-side error, or the first send still in flight. */
function isUnknownOutcome(error: unknown): boolean {
  const { name, code, $metadata } = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  if (name === 'TransactionInProgressException' || (name !== undefined && NO_ANSWER.has(name))) return true;
  if (code !== undefined && NO_ANSWER.has(code)) return true;
  // An SDK error without a status never got an answer; a 5xx got one that says nothing of the outcome.
  const status = $metadata === undefined ? 0 : ($metadata.httpStatusCode ?? 599);
  return status >= 500;
}

/** Errors (by name or Node's `code`) of a send that got no answer: a timeout, a broken or refused connection. */
const NO_ANSWER = new Set([
  'TimeoutError',
  'RequestTimeout',
  'AbortError',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNREFUSED',
  'EAI_AGAIN',
]);

/** Refused for capacity: definitely not applied; the caller pauses and tries again, as after a conflict. */
function isThrottling(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'ThrottlingException' || name === 'ProvisionedThroughputExceededException' || name === 'RequestLimitExceeded';
}

/** The one reason a cancelled transaction is counted under: a failed condition first, then a conflict, then throttling. */
function cancelReason(reasons: readonly (CancellationReason | undefined)[]): CancelReason | undefined {
  const codes = new Set(reasons.map((reason) => reason?.Code));
  if (codes.has('ConditionalCheckFailed')) return 'condition';
  if (codes.has('TransactionConflict')) return 'transaction_conflict';
  if (codes.has('ThrottlingError') || codes.has('ProvisionedThroughputExceeded')) return 'throttled';
  return undefined;
}

async function decodeCancellation<Name extends string>(
  client: DynamoDBClient,
  writes: readonly NamedWrite<Name>[],
  error: TransactionCanceledException,
  hooks: TransactionHooks,
): Promise<TransactionOutcome<Name>> {
  const reasons: (CancellationReason | undefined)[] = error.CancellationReasons ?? [];
  const reason = cancelReason(reasons);
  if (reason !== undefined) hooks.cancelled(reason);
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

export type { CancelReason, NamedWrite, TransactionHooks, TransactionOutcome, TransactOptions };
export { cancelReason, isNew, isNewOrAnswerExisting, transactWrite, useTransactionHooks };
