/**
 * The control plane's store in DynamoDB: one table (layout in items.ts), one adapter per
 * aggregate (accounts with their buckets, ledgers and tokens, jobs, nodes, earnings, the open-jobs
 * index, the listing indexes), put together behind the `ControlPlaneStore` port the services use, with the one read
 * a customer request starts with.
 */
import { BatchGetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ControlPlaneStore, Snapshot } from '../../services/ports/store.js';
import { customerFromItem } from './account-items.js';
import { accountStore } from './account-store.js';
import type { Item } from './attributes.js';
import { bucketStore } from './bucket-store.js';
import { customerTokenStore } from './customer-token-store.js';
import { earningsStore } from './earnings-store.js';
import { keys } from './items.js';
import { jobFromItem } from './job-items.js';
import { jobStore } from './job-store.js';
import { ledgerStore } from './ledger-store.js';
import { listingIndexes } from './listing-indexes.js';
import { nodeFromItem } from './node-items.js';
import { nodeStore } from './node-store.js';
import { openJobsIndex } from './open-jobs-index.js';
import type { Table } from './table.js';
import { type TransactionHooks, useTransactionHooks } from './transactions.js';
import { webhookStore } from './webhook-store.js';

/** One consistent batch read of the account, and the node and job a request names. */
async function readSnapshot(
  table: Table,
  ids: { customerId: string; withCustomer?: boolean; nodeId?: string; jobId?: string },
): Promise<Snapshot> {
  let pending: Item[] = ids.withCustomer === false ? [] : [keys.account(ids.customerId)];
  if (ids.nodeId !== undefined) pending.push(keys.node(ids.nodeId));
  if (ids.jobId !== undefined) pending.push(keys.job(ids.customerId, ids.jobId));
  const snapshot: Snapshot = {};
  while (pending.length > 0) {
    const result = await table.client.send(
      new BatchGetItemCommand({ RequestItems: { [table.name]: { Keys: pending, ConsistentRead: true } } }),
    );
    for (const item of result.Responses?.[table.name] ?? []) {
      const entity = item.entity?.S;
      if (entity === 'account') snapshot.customer = customerFromItem(item);
      else if (entity === 'node') snapshot.node = nodeFromItem(item);
      else if (entity === 'job') snapshot.job = jobFromItem(item);
    }
    pending = result.UnprocessedKeys?.[table.name]?.Keys ?? [];
  }
  return snapshot;
}

/** The store on the table `tableName`; `hooks` count its cancelled transactions and bound their unknown outcomes. */
function dynamoDbStore(client: DynamoDBClient, tableName: string, hooks?: TransactionHooks): ControlPlaneStore {
  const table: Table = { client, name: tableName };
  if (hooks !== undefined) useTransactionHooks(client, hooks);
  return {
    ...accountStore(table),
    ...customerTokenStore(table),
    ...bucketStore(table),
    ...ledgerStore(table),
    ...jobStore(table),
    ...nodeStore(table),
    ...earningsStore(table),
    ...openJobsIndex(table),
    ...webhookStore(table),
    ...listingIndexes(table),
    read: (ids) => readSnapshot(table, ids),
  };
}

export { dynamoDbStore };
