/**
 * Accounts, credits and ledgers in DynamoDB. Every balance change is one transaction that writes
 * the account (conditioned on the version read), its ledger row, and what caused it; the writes
 * for the account and its row are built here for every transaction that changes a balance.
 */
import type { AccountChange, Customer } from '../../domain/account.js';
import type { AccountStore } from '../../services/ports/accounts.js';
import { creditFromItem, creditToItem, customerFromItem, customerToItem, ledgerFromItem, ledgerToItem } from './account-items.js';
import { n } from './attributes.js';
import { keys } from './items.js';
import { getItem, newestFirst, putIf, type Table } from './table.js';
import { isNew, isNewOrAnswerExisting, type NamedWrite, type TransactionOutcome, transactWrite } from './transactions.js';

/** The account as `change` leaves it, written only if it is still at `expectedVersion`. */
function accountUpdate(table: Table, change: AccountChange, expectedVersion: number): NamedWrite<'account'> {
  const { account } = change;
  return {
    name: 'account',
    write: {
      Update: {
        TableName: table.name,
        Key: keys.account(account.customer_id),
        UpdateExpression: 'SET balance_wei = :balance, reserved_wei = :reserved, #version = :next',
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: {
          ':balance': n(account.balance_wei),
          ':reserved': n(account.reserved_wei),
          ':next': n(account.version),
          ':expected': n(expectedVersion),
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
  };
}

/** The `credit`, `reserve`, `debit` or `release` ledger row of an account change. */
function ledgerRow(table: Table, change: AccountChange): NamedWrite<'ledger'> {
  return { name: 'ledger', write: { Put: { TableName: table.name, Item: ledgerToItem(change.entry), ...isNew } } };
}

/** The account as it stood when its version guard failed; `undefined` when something else stopped the transaction (re-read it). */
function changedAccount(outcome: TransactionOutcome<string>): Customer | undefined {
  return outcome.type === 'condition_failed' && outcome.name === 'account' && outcome.item !== undefined
    ? customerFromItem(outcome.item)
    : undefined;
}

function accountStore(table: Table): AccountStore {
  return {
    async getCustomer(customerId) {
      const item = await getItem(table, keys.account(customerId));
      return item === undefined ? undefined : customerFromItem(item);
    },

    createCustomer: (customer, createdAt) => putIf(table, customerToItem(customer, createdAt)),

    async findCredit(creditId) {
      const item = await getItem(table, keys.credit(creditId));
      return item === undefined ? undefined : creditFromItem(item);
    },

    async applyCredit(credit, change, expectedVersion, createdAt) {
      const outcome = await transactWrite(table.client, [
        { name: 'credit', write: { Put: { TableName: table.name, Item: creditToItem(credit, createdAt), ...isNewOrAnswerExisting } } },
        accountUpdate(table, change, expectedVersion),
        ledgerRow(table, change),
      ]);
      if (outcome.type === 'committed') return { type: 'credited' };
      if (outcome.type === 'condition_failed' && outcome.name === 'credit' && outcome.item !== undefined) {
        return { type: 'credit_exists', credit: creditFromItem(outcome.item) };
      }
      return { type: 'account_changed', customer: changedAccount(outcome) };
    },

    async ledger(customerId, limit, since) {
      return (await newestFirst(table, keys.ledgerPartition(customerId), limit, since)).map(ledgerFromItem);
    },
  };
}

export { accountStore, accountUpdate, changedAccount, ledgerRow };
