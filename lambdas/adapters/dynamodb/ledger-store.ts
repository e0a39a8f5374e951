/** Customers' ledgers and their checkpoints (the running totals at a position) in DynamoDB. */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { ledgerPosition } from '../../domain/ledger-totals.js';
import type { AccountStore } from '../../services/ports/accounts.js';
import { checkpointFromItem, checkpointToItem, ledgerFromItem } from './account-items.js';
import { type Item, s } from './attributes.js';
import { keys } from './items.js';
import { newestFirst, newestFirstPages, putIf, type Table } from './table.js';

/** The key condition of a sort-key range; one condition only, so both ends together are a BETWEEN (its ends filtered out after). */
function rangeCondition(after: string | undefined, before: string | undefined): string {
  if (after !== undefined && before !== undefined) return 'pk = :pk AND sk BETWEEN :after AND :before';
  if (after !== undefined) return 'pk = :pk AND sk > :after';
  return before !== undefined ? 'pk = :pk AND sk < :before' : 'pk = :pk';
}

function ledgerStore(
  table: Table,
): Pick<AccountStore, 'ledger' | 'ledgerPagesSince' | 'ledgerBetween' | 'latestCheckpoint' | 'putCheckpoint'> {
  return {
    async ledger(customerId, limit, since) {
      return (await newestFirst(table, keys.ledgerPartition(customerId), limit, since)).map(ledgerFromItem);
    },

    async *ledgerPagesSince(customerId, since) {
      for await (const page of newestFirstPages(table, keys.ledgerPartition(customerId), since)) yield page.map(ledgerFromItem);
    },

    async ledgerBetween(customerId, { after, before, limit }) {
      const entries = [];
      let start: Item | undefined;
      do {
        const page = await table.client.send(
          new QueryCommand({
            TableName: table.name,
            KeyConditionExpression: rangeCondition(after, before),
            ExpressionAttributeValues: {
              ':pk': s(keys.ledgerPartition(customerId)),
              ...(after === undefined ? {} : { ':after': s(after) }),
              ...(before === undefined ? {} : { ':before': s(before) }),
            },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
        for (const entry of (page.Items ?? []).map(ledgerFromItem)) {
          const position = ledgerPosition(entry);
          if (position !== after && position !== before) entries.push(entry);
        }
        start = page.LastEvaluatedKey;
      } while (start !== undefined && entries.length < limit);
      return entries.slice(0, limit);
    },

    async latestCheckpoint(customerId, before) {
      const result = await table.client.send(
        new QueryCommand({
          TableName: table.name,
          KeyConditionExpression: rangeCondition(undefined, before),
          ExpressionAttributeValues: {
            ':pk': s(keys.ledgerCheckpointPartition(customerId)),
            ...(before === undefined ? {} : { ':before': s(before) }),
          },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
      const [item] = result.Items ?? [];
      return item === undefined ? undefined : checkpointFromItem(item);
    },

    async putCheckpoint(checkpoint) {
      await putIf(table, checkpointToItem(checkpoint));
    },
  };
}

export { ledgerStore };
