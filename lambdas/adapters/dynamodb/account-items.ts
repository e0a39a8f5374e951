/** Item codecs of a customer's account, ledger rows, ledger checkpoints and credits (layout in items.ts). */
import type { Credit, Customer, LedgerEntry } from '../../domain/account.js';
import type { LedgerCheckpoint } from '../../domain/ledger-totals.js';
import { type Item, n, nullableS, readInt, readNullableS, readS, readWei, s } from './attributes.js';
import { keys } from './items.js';

/**
 * The account item: the customer's identity and token hash, and `credit_sequence`, which only
 * credits advance (so that concurrent credits cannot together pass the 38-digit balance limit).
 * No money: that is in the buckets.
 */
function customerToItem(customer: Customer, createdAt: string): Item {
  return {
    ...keys.account(customer.customer_id),
    entity: s('account'),
    customer_id: s(customer.customer_id),
    token_hash: s(customer.token_hash),
    credit_sequence: n(0),
    created_at: s(createdAt),
  };
}

function customerFromItem(item: Item): Customer {
  return { customer_id: readS(item, 'customer_id'), token_hash: readS(item, 'token_hash') };
}

/** How many credits the account has taken. */
function creditSequenceOf(item: Item): number {
  return readInt(item, 'credit_sequence');
}

function ledgerToItem(entry: LedgerEntry): Item {
  return {
    ...keys.ledger(entry),
    entity: s('ledger'),
    entry_id: s(entry.entry_id),
    customer_id: s(entry.customer_id),
    kind: s(entry.kind),
    amount_wei: n(entry.amount_wei),
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
    private_job_id: readNullableS(item, 'private_job_id'),
    receipt_hash: readNullableS(item, 'receipt_hash'),
    created_at: readS(item, 'created_at'),
  };
}

function checkpointToItem(checkpoint: LedgerCheckpoint): Item {
  return {
    ...keys.ledgerCheckpoint(checkpoint.customer_id, checkpoint.position),
    entity: s('ledger_checkpoint'),
    customer_id: s(checkpoint.customer_id),
    position: s(checkpoint.position),
    balance_wei: n(checkpoint.balance_wei),
    reserved_wei: n(checkpoint.reserved_wei),
  };
}

function checkpointFromItem(item: Item): LedgerCheckpoint {
  return {
    customer_id: readS(item, 'customer_id'),
    position: readS(item, 'position'),
    balance_wei: readWei(item, 'balance_wei'),
    reserved_wei: readWei(item, 'reserved_wei'),
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

export {
  checkpointFromItem,
  checkpointToItem,
  creditFromItem,
  creditSequenceOf,
  creditToItem,
  customerFromItem,
  customerToItem,
  ledgerFromItem,
  ledgerToItem,
};
