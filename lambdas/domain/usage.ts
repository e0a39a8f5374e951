/** `GET /v1/billing/usage`: a window of the customer's ledger, totalled by kind, and its newest entries. */

import type { LedgerKind, UsageView } from '@b3iq/protocol';
import { formatWei } from '@b3iq/protocol';
import type { LedgerEntry } from './account.js';
import type { TotalledEntry } from './ledger-totals.js';

/** The count and sum of a window's ledger rows, by kind, in the order the kinds were first seen. */
type UsageTotals = Map<LedgerKind, { kind: LedgerKind; count: number; amount: bigint }>;

/** Counts `rows` into `totals`. */
function addToUsageTotals(totals: UsageTotals, rows: readonly LedgerEntry[]): void {
  for (const row of rows) {
    const total = totals.get(row.kind) ?? { kind: row.kind, count: 0, amount: 0n };
    total.count += 1;
    total.amount += row.amount_wei;
    totals.set(row.kind, total);
  }
}

/** The window's totals (every row of it) and its newest entries (newest first, with the running totals after each). */
function usageView(customerId: string, totals: UsageTotals, newest: TotalledEntry[], generatedAt: Date): UsageView {
  return {
    status: 'ok',
    customer_id: customerId,
    generated_at: generatedAt.toISOString(),
    totals: [...totals.values()].map((total) => ({ kind: total.kind, count: total.count, amount_wei: formatWei(total.amount) })),
    entries: newest.map((row) => ({
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

export type { UsageTotals };
export { addToUsageTotals, usageView };
