/** Nodes' earnings and ledgers, published receipts, and the settlement transaction that writes them, in DynamoDB. */
import { noEarnings } from '../../domain/node-earnings.js';
import type { EarningsStore } from '../../services/ports/earnings.js';
import { ledgerRow } from './account-store.js';
import { n, s } from './attributes.js';
import {
  earningsFromItem,
  earningsToItem,
  nodeLedgerFromItem,
  nodeLedgerToItem,
  receiptFromItem,
  receiptToItem,
} from './earnings-items.js';
import { keys } from './items.js';
import { envelopeToItems } from './job-items.js';
import { closeJob, closeOutcome, closeReservation } from './job-store.js';
import { getItem, newestFirst, type Table } from './table.js';
import { isNew, transactWrite } from './transactions.js';

function earningsStore(table: Table): EarningsStore {
  return {
    async getEarnings(nodeId) {
      const item = await getItem(table, keys.earnings(nodeId));
      return item === undefined ? noEarnings(nodeId) : earningsFromItem(item);
    },

    async nodeLedger(nodeId, limit) {
      return (await newestFirst(table, keys.nodeLedgerPartition(nodeId), limit)).map(nodeLedgerFromItem);
    },

    async getReceipt(receiptHash) {
      const item = await getItem(table, keys.receipt(receiptHash));
      return item === undefined ? undefined : receiptFromItem(item);
    },

    async settleJob(settlement) {
      const { job, earnings, receipt } = settlement;
      const outcome = await transactWrite(table.client, [
        closeJob(
          table,
          job,
          {
            status: s('completed'),
            billing_status: s('debited'),
            receipt_hash: s(receipt.receipt_hash),
            completed_at: s(settlement.settledAt),
          },
          { before: settlement.settledAt },
          settlement.leaseId,
        ),
        closeReservation(table, job, 'debit'),
        ledgerRow(table, settlement.entry),
        {
          name: 'earnings',
          write: {
            Put: {
              TableName: table.name,
              Item: earningsToItem(earnings.next),
              ConditionExpression: 'attribute_not_exists(pk) OR #version = :expected',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':expected': n(earnings.expectedVersion) },
            },
          },
        },
        ...earnings.entries.map((entry) => ({
          name: 'node_ledger' as const,
          write: { Put: { TableName: table.name, Item: nodeLedgerToItem(entry), ...isNew } },
        })),
        { name: 'receipt', write: { Put: { TableName: table.name, Item: receiptToItem(receipt), ...isNew } } },
        ...envelopeToItems(job.customer_id, job.job_id, 'response', settlement.encryptedResponse, settlement.responsePurgeAt).map(
          (item) => ({ name: 'envelope' as const, write: { Put: { TableName: table.name, Item: item } } }),
        ),
      ]);
      return closeOutcome(outcome);
    },
  };
}

export { earningsStore };
