/**
 * Customers, credits and the account snapshot in DynamoDB. A credit is one transaction: the
 * credit id (so a repeat is a no-op), the account's credit sequence (so concurrent credits are
 * checked against the balance limit one at a time), a deposit in each bucket its shares name, and
 * its ledger row. The `ledgerRow` write is built here for every transaction that changes money.
 */
import { TransactGetItemsCommand, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { LedgerEntry } from '../../domain/account.js';
import { allBuckets, RESERVATION_BUCKETS } from '../../domain/escrow.js';
import type { AccountStore } from '../../services/ports/accounts.js';
import { creditFromItem, creditSequenceOf, creditToItem, customerFromItem, customerToItem, ledgerToItem } from './account-items.js';
import { n } from './attributes.js';
import { bucketDeposit, bucketFromItem } from './bucket-items.js';
import { customerTokenToItem } from './customer-token-items.js';
import { keys } from './items.js';
import { getItem, type Table } from './table.js';
import { isNew, isNewOrAnswerExisting, type NamedWrite, transactWrite } from './transactions.js';

/** The ledger row of a money change (`credit`, `reserve`, `debit` or `release`). */
function ledgerRow(table: Table, entry: LedgerEntry): NamedWrite<'ledger'> {
  return { name: 'ledger', write: { Put: { TableName: table.name, Item: ledgerToItem(entry), ...isNew } } };
}

function accountStore(table: Table): Pick<AccountStore, 'getCustomer' | 'createCustomer' | 'findCredit' | 'applyCredit' | 'readAccount'> {
  return {
    async getCustomer(customerId) {
      const item = await getItem(table, keys.account(customerId));
      return item === undefined ? undefined : customerFromItem(item);
    },

    async createCustomer(customer, firstToken, createdAt) {
      const writes = [
        { name: 'account', write: { Put: { TableName: table.name, Item: customerToItem(customer, createdAt), ...isNew } } },
        {
          name: 'token',
          write: { Put: { TableName: table.name, Item: customerTokenToItem(customer.customer_id, firstToken), ...isNew } },
        },
      ];
      // A conflict is another create of the same id in flight: try again, and learn which one won.
      for (let attempt = 1; ; attempt += 1) {
        const outcome = await transactWrite(table.client, writes);
        if (outcome.type === 'committed') return true;
        if (outcome.type === 'condition_failed') return false;
        if (attempt === 3) throw new Error('the new customer was not written: its items stayed in conflict');
      }
    },

    async findCredit(creditId) {
      const item = await getItem(table, keys.credit(creditId));
      return item === undefined ? undefined : creditFromItem(item);
    },

    async applyCredit({ credit, entry, shares, creditSequence, createdAt }) {
      const customerId = credit.customer_id;
      const outcome = await transactWrite(table.client, [
        { name: 'credit', write: { Put: { TableName: table.name, Item: creditToItem(credit, createdAt), ...isNewOrAnswerExisting } } },
        {
          name: 'account',
          write: {
            Update: {
              TableName: table.name,
              Key: keys.account(customerId),
              UpdateExpression: 'SET credit_sequence = :next',
              ConditionExpression: 'credit_sequence = :read',
              ExpressionAttributeValues: { ':read': n(creditSequence), ':next': n(creditSequence + 1) },
            },
          },
        },
        ...shares.map((share) => bucketDeposit(table, 'bucket', customerId, share.index, share.amount)),
        ledgerRow(table, entry),
      ]);
      if (outcome.type === 'committed') return { type: 'credited' };
      if (outcome.type === 'condition_failed' && outcome.name === 'credit' && outcome.item !== undefined) {
        return { type: 'credit_exists', credit: creditFromItem(outcome.item) };
      }
      return { type: 'conflict' };
    },

    async readAccount(customerId) {
      const bucketKeys = Array.from({ length: RESERVATION_BUCKETS }, (_, index) => keys.bucket(customerId, index));
      try {
        const result = await table.client.send(
          new TransactGetItemsCommand({
            TransactItems: [keys.account(customerId), ...bucketKeys].map((Key) => ({ Get: { TableName: table.name, Key } })),
          }),
        );
        const [account, ...buckets] = (result.Responses ?? []).map((response) => response.Item);
        if (account === undefined) return { type: 'not_found' };
        return {
          type: 'found',
          account: {
            customer: customerFromItem(account),
            creditSequence: creditSequenceOf(account),
            buckets: allBuckets(buckets.flatMap((item) => (item === undefined ? [] : [bucketFromItem(item)]))),
          },
        };
      } catch (error) {
        // A transactional read is cancelled by a write in flight on one of its items.
        if (error instanceof TransactionCanceledException) return { type: 'conflict' };
        throw error;
      }
    },
  };
}

export { accountStore, ledgerRow };
