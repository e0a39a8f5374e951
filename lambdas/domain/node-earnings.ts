/**
 * What a node has earned and what the protocol kept from its jobs. Each settlement adds the
 * payout and the fee with a ledger row each, written in the same transaction as the customer's
 * debit, conditioned on the version read (one earnings record per node, so contention stays
 * with the node that caused it).
 */
import type { Quote } from './pricing.js';

interface NodeEarnings {
  node_id: string;
  payout_wei: bigint;
  protocol_fee_wei: bigint;
  version: number;
}

type NodeLedgerKind = 'payout' | 'protocol_fee';

interface NodeLedgerEntry {
  entry_id: string;
  node_id: string;
  kind: NodeLedgerKind;
  amount_wei: bigint;
  /** The node's payouts, or the protocol's fees from this node, after this row. */
  balance_after_wei: bigint;
  reserved_after_wei: bigint;
  private_job_id: string;
  receipt_hash: string;
  created_at: string;
}

const noEarnings = (nodeId: string): NodeEarnings => ({ node_id: nodeId, payout_wei: 0n, protocol_fee_wei: 0n, version: 0 });

/** Adds a settled job's payout and protocol fee (quoted − payout). */
function recordPayout(
  earnings: NodeEarnings,
  quote: Quote,
  jobRef: string,
  jobId: string,
  receiptHash: string,
  createdAt: string,
): { earnings: NodeEarnings; entries: NodeLedgerEntry[] } {
  const fee = quote.quoted_price_wei - quote.payout_price_wei;
  const next = {
    ...earnings,
    payout_wei: earnings.payout_wei + quote.payout_price_wei,
    protocol_fee_wei: earnings.protocol_fee_wei + fee,
    version: earnings.version + 1,
  };
  const row = (kind: NodeLedgerKind, amount: bigint, after: bigint): NodeLedgerEntry => ({
    entry_id: `${kind}:${jobRef}`,
    node_id: earnings.node_id,
    kind,
    amount_wei: amount,
    balance_after_wei: after,
    reserved_after_wei: 0n,
    private_job_id: jobId,
    receipt_hash: receiptHash,
    created_at: createdAt,
  });
  return {
    earnings: next,
    entries: [row('payout', quote.payout_price_wei, next.payout_wei), row('protocol_fee', fee, next.protocol_fee_wei)],
  };
}

export type { NodeEarnings, NodeLedgerEntry, NodeLedgerKind };
export { noEarnings, recordPayout };
