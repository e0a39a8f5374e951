/**
 * The ledger invariant of one customer, read straight from the table: the account's buckets, its
 * ledger (raw, and as the usage read totals it from checkpoints), its jobs and (optionally) the
 * earnings of the node that served them. A snapshot only counts if nothing moved while it was
 * read: the buckets (one transactional read) and the number of ledger rows are the same before and
 * after. Every change of money writes a ledger row and its bucket in one transaction (a refill
 * writes no row but changes buckets), so that means a consistent picture even while the deployed
 * workers (sweeper, relay, dead letters) run.
 */
import type { AccountTotals, LedgerEntry } from '../../../lambdas/domain/account.js';
import { accountTotals, type Bucket } from '../../../lambdas/domain/escrow.js';
import type { Job } from '../../../lambdas/domain/job.js';
import { isOpenStatus } from '../../../lambdas/domain/job-lifecycle.js';
import { ledgerPosition, NO_TOTALS, type TotalledEntry, withRunningTotals } from '../../../lambdas/domain/ledger-totals.js';
import { ledgerWithTotals } from '../../../lambdas/services/account-reads.js';
import { plane } from './lifecycle.js';
import { buckets as readBuckets, store } from './world.js';

interface LedgerSnapshot {
  buckets: Bucket[];
  account: AccountTotals;
  /** Newest first, as the store lists them. */
  rows: LedgerEntry[];
  /** Newest first, with the running totals the usage read computes (from checkpoints). */
  usage: TotalledEntry[];
  /** Every job id the test knows of, with the job as stored (`undefined`: no such job). */
  jobs: Map<string, Job | undefined>;
  /** What the node earned, when the node served only this customer. */
  earned?: bigint;
}

const sum = (values: bigint[]) => values.reduce((total, value) => total + value, 0n);

/** The entries in the stated order (ledger sort key), with the running totals from the first entry. */
function recomputed(rows: LedgerEntry[]): TotalledEntry[] {
  const oldestFirst = [...rows].sort((a, b) => (ledgerPosition(a) < ledgerPosition(b) ? -1 : 1));
  return withRunningTotals(NO_TOTALS, oldestFirst);
}

/** Everything wrong with a snapshot; empty when the invariant holds. */
function ledgerViolations(snapshot: LedgerSnapshot): string[] {
  const { account, buckets, rows, jobs } = snapshot;
  const problems: string[] = [];
  const of = (kind: LedgerEntry['kind']) => sum(rows.filter((row) => row.kind === kind).map((row) => row.amount_wei));
  const existing = [...jobs.values()].filter((job): job is Job => job !== undefined);
  const open = existing.filter((job) => isOpenStatus(job.status));

  // The account against the ledger and against its open jobs, bucket by bucket.
  if (account.balance_wei !== of('credit') - of('debit')) {
    problems.push(`balance ${account.balance_wei} != credits ${of('credit')} - debits ${of('debit')}`);
  }
  if (account.reserved_wei !== of('reserve') - of('release') - of('debit')) {
    problems.push(`reserved ${account.reserved_wei} != reserves ${of('reserve')} - releases ${of('release')} - debits ${of('debit')}`);
  }
  const openReserved = sum(open.map((job) => job.quote.reserved_price_wei));
  if (account.reserved_wei !== openReserved) {
    problems.push(
      `reserved ${account.reserved_wei} != ${openReserved} reserved by open jobs [${open.map((job) => job.job_id).join(', ')}]`,
    );
  }
  for (const bucket of buckets) {
    const held = sum(open.filter((job) => job.reservation_bucket === bucket.index).map((job) => job.quote.reserved_price_wei));
    if (bucket.reserved_wei !== held) problems.push(`bucket ${bucket.index} reserves ${bucket.reserved_wei}, its open jobs ${held}`);
    if (bucket.available_wei < 0n) problems.push(`bucket ${bucket.index} has available ${bucket.available_wei}`);
  }

  // The usage read's running totals (from checkpoints) are the totals recomputed from every entry, and end at the account.
  const expected = recomputed(rows);
  const shown = snapshot.usage.toReversed();
  const line = (entry: TotalledEntry) => `${ledgerPosition(entry)} ${entry.balance_after_wei}/${entry.reserved_after_wei}`;
  if (JSON.stringify(shown.map(line)) !== JSON.stringify(expected.map(line))) {
    problems.push(`the usage read's running totals differ from the totals recomputed from every entry`);
  }
  const last = expected.at(-1);
  if (last !== undefined && (last.balance_after_wei !== account.balance_wei || last.reserved_after_wei !== account.reserved_wei)) {
    problems.push(`the last entry's running totals ${line(last)} are not the account ${account.balance_wei}/${account.reserved_wei}`);
  }
  for (const entry of expected) {
    if (entry.reserved_after_wei < 0n || entry.balance_after_wei < 0n) problems.push(`running totals below zero at ${line(entry)}`);
  }

  // Each row belongs to a known job (credits to none), and each job has exactly the rows its status asks for.
  for (const row of rows) {
    if (row.kind === 'credit' ? row.private_job_id !== null : row.private_job_id === null || !jobs.has(row.private_job_id)) {
      problems.push(`${row.kind} row ${row.entry_id} names job ${row.private_job_id}`);
    }
  }
  for (const [jobId, job] of jobs) {
    const mine = rows.filter((row) => row.private_job_id === jobId);
    const count = (kind: LedgerEntry['kind']) => mine.filter((row) => row.kind === kind).length;
    if (job === undefined) {
      if (mine.length > 0) problems.push(`job ${jobId} does not exist but has ${mine.length} ledger rows`);
      continue;
    }
    const price = job.quote.reserved_price_wei;
    const expectedRows = isOpenStatus(job.status)
      ? { reserve: 1, debit: 0, release: 0, billing: 'reserved' }
      : job.status === 'completed'
        ? { reserve: 1, debit: 1, release: 0, billing: 'debited' }
        : { reserve: 1, debit: 0, release: 1, billing: 'released' };
    const found = { reserve: count('reserve'), debit: count('debit'), release: count('release'), billing: job.billing_status };
    if (JSON.stringify(found) !== JSON.stringify(expectedRows)) {
      problems.push(`job ${jobId} is ${job.status}: expected ${JSON.stringify(expectedRows)}, found ${JSON.stringify(found)}`);
    }
    for (const row of mine) {
      if (row.amount_wei !== price) problems.push(`job ${jobId}: ${row.kind} of ${row.amount_wei}, reserved price ${price}`);
    }
    if (!isOpenStatus(job.status) && job.completed_at === null) problems.push(`job ${jobId} is ${job.status} without completed_at`);
    if ((job.status === 'completed') !== (job.receipt_hash !== null))
      problems.push(`job ${jobId} is ${job.status} with receipt ${job.receipt_hash}`);
  }

  // What the customer paid is what the node earned plus the protocol's fee.
  if (snapshot.earned !== undefined && snapshot.earned !== of('debit')) {
    problems.push(`node earned ${snapshot.earned} (payout + fee), customer debited ${of('debit')}`);
  }
  return problems;
}

/** A snapshot read while neither the buckets nor the ledger moved. */
async function readLedgerSnapshot(customerId: string, jobIds: Iterable<string>, nodeId?: string): Promise<LedgerSnapshot> {
  const ids = [...new Set(jobIds)];
  for (let attempt = 1; ; attempt++) {
    const before = await readBuckets(customerId);
    const [rows, usage, jobs, earnings] = await Promise.all([
      store.ledger(customerId, 1000),
      ledgerWithTotals(plane, customerId, 1000, '0'),
      Promise.all(ids.map(async (jobId) => [jobId, (await store.read({ customerId, jobId })).job] as const)),
      nodeId === undefined ? undefined : store.getEarnings(nodeId),
    ]);
    const [after, rowsAfter] = await Promise.all([readBuckets(customerId), store.ledger(customerId, 1000)]);
    if (JSON.stringify(after, bigintText) === JSON.stringify(before, bigintText) && rowsAfter.length === rows.length) {
      return {
        buckets: before,
        account: accountTotals(before),
        rows,
        usage,
        jobs: new Map(jobs),
        ...(earnings === undefined ? {} : { earned: earnings.payout_wei + earnings.protocol_fee_wei }),
      };
    }
    if (attempt >= 20) throw new Error(`the account of ${customerId} kept changing while it was read`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const bigintText = (_: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value);

export type { LedgerSnapshot };
export { ledgerViolations, readLedgerSnapshot };
