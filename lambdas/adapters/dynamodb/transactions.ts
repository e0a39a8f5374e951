/**
 * Runs one TransactWriteItems and reports which condition stopped it, with the item as it stood
 * (`ReturnValuesOnConditionCheckFailure: ALL_OLD`), so callers decide without a second read.
 */
import {
  type DynamoDBClient,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import type { Item } from './attributes.js';

type TransactionOutcome =
  | { committed: true }
  | { committed: false; failedIndex: number; item: Item | undefined }
  | { committed: false; failedIndex: undefined; item: undefined };

async function transactWrite(client: DynamoDBClient, items: TransactWriteItem[]): Promise<TransactionOutcome> {
  try {
    await client.send(new TransactWriteItemsCommand({ TransactItems: items }));
    return { committed: true };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const reasons = error.CancellationReasons ?? [];
    const failedIndex = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
    if (failedIndex >= 0) return { committed: false, failedIndex, item: reasons[failedIndex]?.Item };
    // TransactionConflict, or reasons an emulator left out: the caller re-reads and tries again.
    return { committed: false, failedIndex: undefined, item: undefined };
  }
}

export type { TransactionOutcome };
export { transactWrite };
