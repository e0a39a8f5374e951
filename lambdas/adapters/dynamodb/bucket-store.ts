/** A customer's reservation buckets in DynamoDB: read them all, and refill one from the others. */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { allBuckets, type Bucket } from '../../domain/escrow.js';
import type { AccountStore } from '../../services/ports/accounts.js';
import { type Item, s } from './attributes.js';
import { bucketAsItStood, bucketDeposit, bucketFromItem, bucketUpdate } from './bucket-items.js';
import { keys } from './items.js';
import type { Table } from './table.js';
import { transactWrite } from './transactions.js';

const donorName = (index: number) => `donor:${index}`;

function bucketStore(table: Table): Pick<AccountStore, 'customerBuckets' | 'refillBucket'> {
  return {
    async customerBuckets(customerId) {
      const found: Bucket[] = [];
      let start: Item | undefined;
      do {
        const page = await table.client.send(
          new QueryCommand({
            TableName: table.name,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': s(keys.customerPartition(customerId)), ':prefix': s(keys.bucketPrefix) },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
        found.push(...(page.Items ?? []).map(bucketFromItem));
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
      return allBuckets(found);
    },

    async refillBucket(customerId, plan) {
      const total = plan.moves.reduce((sum, move) => sum + move.amount, 0n);
      const outcome = await transactWrite(
        table.client,
        [
          ...plan.moves.map((move) => bucketUpdate(table, donorName(move.from), customerId, move.from, 'take', move.amount)),
          bucketDeposit(table, 'target', customerId, plan.target, total),
        ],
        // A refill only moves money between the customer's buckets: whether or not one whose answer
        // never came commits later, every total stays the same. Read the buckets again and go on.
        { settleUnknown: async () => false },
      );
      if (outcome.type === 'committed') return { type: 'refilled' };
      const donor = plan.moves.find((move) => outcome.type === 'condition_failed' && outcome.name === donorName(move.from));
      if (donor !== undefined && outcome.type === 'condition_failed')
        return { type: 'donor_short', bucket: bucketAsItStood(donor.from, outcome.item) };
      return { type: 'conflict' };
    },
  };
}

export { bucketStore };
