/** Item codecs of a customer's account, ledger rows and credits (layout in items.ts). */
import type { Credit, Customer, LedgerEntry } from '../../domain/account.js';
import { type Item, n, nullableS, readInt, readNullableS, readS, readWei, s } from './attributes.js';
import { keys } from './items.js';

function customerToItem(customer: Customer, createdAt: string): Item {
  const { account } = customer;
  return {
    ...keys.account(account.customer_id),
    entity: s('account'),
    customer_id: s(account.customer_id),
    token_hash: s(customer.token_hash),
    balance_wei: n(account.balance_wei),
    reserved_wei: n(account.reserved_wei),
    version: n(account.version),
    created_at: s(createdAt),
  };
}

function customerFromItem(item: Item): Customer {
  return {
    token_hash: readS(item, 'token_hash'),
    account: {
      customer_id: readS(item, 'customer_id'),
      balance_wei: readWei(item, 'balance_wei'),
      reserved_wei: readWei(item, 'reserved_wei'),
      version: readInt(item, 'version'),
    },
  };
}

function ledgerToItem(entry: LedgerEntry): Item {
  return {
    ...keys.ledger(entry),
    entity: s('ledger'),
    entry_id: s(entry.entry_id),
    customer_id: s(entry.customer_id),
    kind: s(entry.kind),
    amount_wei: n(entry.amount_wei),
    balance_after_wei: n(entry.balance_after_wei),
    reserved_after_wei: n(entry.reserved_after_wei),
    private_job_id: nullableS(entry.private_job_id),
    receipt_hash: nullableS(entry.receipt_hash),
    created_at: s(entry.created_at),
  };
}

function ledgerFromItem(item: Item): LedgerEntry {
  return {
    entry_id: readS(item, 'entry_id'),
    customer_id: readS(item, 'customer_id'),
    kind: readS(item, 'kind') as LedgerEntry['kind'],
    amount_wei: readWei(item, 'amount_wei'),
    balance_after_wei: readWei(item, 'balance_after_wei'),
    reserved_after_wei: readWei(item, 'reserved_after_wei'),
    private_job_id: readNullableS(item, 'private_job_id'),
    receipt_hash: readNullableS(item, 'receipt_hash'),
    created_at: readS(item, 'created_at'),
  };
}

function creditToItem(credit: Credit, createdAt: string): Item {
  return {
    ...keys.credit(credit.credit_id),
    entity: s('credit'),
    credit_id: s(credit.credit_id),
    customer_id: s(credit.customer_id),
    amount_wei: n(credit.amount_wei),
    created_at: s(createdAt),
  };
}

function creditFromItem(item: Item): Credit {
  return {
    credit_id: readS(item, 'credit_id'),
    customer_id: readS(item, 'customer_id'),
    amount_wei: readWei(item, 'amount_wei'),
  };
}

export { creditFromItem, creditToItem, customerFromItem, customerToItem, ledgerFromItem, ledgerToItem };
