/** Item codecs of a customer's account, ledger rows, ledger checkpoints and credits (layout in items.ts). */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Credit, Customer, LedgerEntry } from '../../domain/account.js';
import type { TokenHash } from '../../domain/customer-token.js';
import { LEGACY_TOKEN_ID } from '../../domain/customer-tokens.js';
import type { LedgerCheckpoint } from '../../domain/ledger-totals.js';
import { type Item, n, nullableS, readInt, readNullableS, readS, readWei, s, stringMap } from './attributes.js';
import { keys } from './items.js';

/**
 * The account item: the customer's identity, `tokens` (token id → hash of each unrevoked token),
 * `credit_sequence`, which only credits advance (so that concurrent credits cannot together pass
 * the 38-digit balance limit), and `token_sequence`, which only token changes advance. No money:
 * that is in the buckets. An item written before tokens had ids holds one `token_hash` instead of
 * `tokens` (and no `token_sequence`): it is read as the token LEGACY_TOKEN_ID, and the first token
 * change moves it into `tokens`.
 */
function customerToItem(customer: Customer, createdAt: string): Item {
  return {
    ...keys.account(customer.customer_id),
    entity: s('account'),
    customer_id: s(customer.customer_id),
    tokens: tokenHashesToAttribute(customer.tokens),
    credit_sequence: n(0),
    token_sequence: n(0),
    created_at: s(createdAt),
  };
}

function tokenHashesToAttribute(tokens: readonly TokenHash[]): AttributeValue {
  return stringMap(Object.fromEntries(tokens.map((token) => [token.token_id, token.token_hash])));
}

function customerFromItem(item: Item): Customer {
  const tokens = Object.entries(item.tokens?.M ?? {}).map(([token_id, hash]) => ({ token_id, token_hash: hash.S ?? '' }));
  const legacy = item.token_hash?.S;
  if (legacy !== undefined) tokens.push({ token_id: LEGACY_TOKEN_ID, token_hash: legacy });
  return { customer_id: readS(item, 'customer_id'), tokens };
}

/** How many token changes the account has had (none for an item written before tokens had ids). */
function tokenSequenceOf(item: Item): number {
  return item.token_sequence === undefined ? 0 : readInt(item, 'token_sequence');
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
  tokenHashesToAttribute,
  tokenSequenceOf,
};
