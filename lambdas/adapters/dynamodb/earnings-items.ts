/** Item codecs of a node's earnings and ledger rows, and of published receipts (layout in items.ts). */
import type { NodeEarnings, NodeLedgerEntry } from '../../domain/node-earnings.js';
import type { StoredReceipt } from '../../services/ports/earnings.js';
import { type Item, n, readInt, readS, readWei, s } from './attributes.js';
import { keys } from './items.js';

function earningsToItem(earnings: NodeEarnings): Item {
  return {
    ...keys.earnings(earnings.node_id),
    entity: s('earnings'),
    node_id: s(earnings.node_id),
    payout_wei: n(earnings.payout_wei),
    protocol_fee_wei: n(earnings.protocol_fee_wei),
    version: n(earnings.version),
  };
}

function earningsFromItem(item: Item): NodeEarnings {
  return {
    node_id: readS(item, 'node_id'),
    payout_wei: readWei(item, 'payout_wei'),
    protocol_fee_wei: readWei(item, 'protocol_fee_wei'),
    version: readInt(item, 'version'),
  };
}

function nodeLedgerToItem(entry: NodeLedgerEntry): Item {
  return {
    ...keys.nodeLedger(entry),
    entity: s('node_ledger'),
    entry_id: s(entry.entry_id),
    node_id: s(entry.node_id),
    kind: s(entry.kind),
    amount_wei: n(entry.amount_wei),
    balance_after_wei: n(entry.balance_after_wei),
    reserved_after_wei: n(entry.reserved_after_wei),
    private_job_id: s(entry.private_job_id),
    receipt_hash: s(entry.receipt_hash),
    created_at: s(entry.created_at),
  };
}

function nodeLedgerFromItem(item: Item): NodeLedgerEntry {
  return {
    entry_id: readS(item, 'entry_id'),
    node_id: readS(item, 'node_id'),
    kind: readS(item, 'kind') as NodeLedgerEntry['kind'],
    amount_wei: readWei(item, 'amount_wei'),
    balance_after_wei: readWei(item, 'balance_after_wei'),
    reserved_after_wei: readWei(item, 'reserved_after_wei'),
    private_job_id: readS(item, 'private_job_id'),
    receipt_hash: readS(item, 'receipt_hash'),
    created_at: readS(item, 'created_at'),
  };
}

function receiptToItem(receipt: StoredReceipt): Item {
  return {
    ...keys.receipt(receipt.receipt_hash),
    entity: s('receipt'),
    ...Object.fromEntries(Object.entries(receipt).map(([name, value]) => [name, s(value)])),
  };
}

function receiptFromItem(item: Item): StoredReceipt {
  return {
    receipt_hash: readS(item, 'receipt_hash'),
    job_id: readS(item, 'job_id'),
    node_id: readS(item, 'node_id'),
    model_id: readS(item, 'model_id'),
    status: 'accepted',
    received_at: readS(item, 'received_at'),
    signature_ed25519: readS(item, 'signature_ed25519'),
    receipt_text: readS(item, 'receipt_text'),
  };
}

export { earningsFromItem, earningsToItem, nodeLedgerFromItem, nodeLedgerToItem, receiptFromItem, receiptToItem };
