/** `GET /v1/billing/usage`: a window of the customer's ledger, totalled by kind, and its newest entries. */

import type { LedgerKind, UsageView } from '@b3iq/protocol';
import { formatWei } from '@b3iq/protocol';
import type { TotalledEntry } from './ledger-totals.js';

/** Totals every row read (newest first, with the running totals after each), and shows the first `limit` of them. */
function usageView(customerId: string, rows: TotalledEntry[], limit: number, generatedAt: Date): UsageView {
  const totals = new Map<LedgerKind, { kind: LedgerKind; count: number; amount: bigint }>();
  for (const row of rows) {
    const total = totals.get(row.kind) ?? { kind: row.kind, count: 0, amount: 0n };
    total.count += 1;
    total.amount += row.amount_wei;
    totals.set(row.kind, total);
  }
  return {
    status: 'ok',
    customer_id: customerId,
    generated_at: generatedAt.toISOString(),
    totals: [...totals.values()].map((total) => ({ kind: total.kind, count: total.count, amount_wei: formatWei(total.amount) })),
    entries: rows.slice(0, limit).map((row) => ({
      entry_id: row.entry_id,
      private_job_id: row.private_job_id,
      receipt_hash: row.receipt_hash,
      kind: row.kind,
      amount_wei: formatWei(row.amount_wei),
      balance_after_wei: formatWei(row.balance_after_wei),
      reserved_after_wei: formatWei(row.reserved_after_wei),
      created_at: row.created_at,
    })),
  };
}

export { usageView };
