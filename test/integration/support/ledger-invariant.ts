/**
 * The ledger invariant of one customer, read straight from the table: the account, its ledger,
 * its jobs and (optionally) the earnings of the node that served them. A snapshot only counts if
 * the account's version did not move while it was read: every balance change writes the account,
 * its ledger row and the job in one transaction, so a stable version means a consistent picture
 * even while the deployed workers (sweeper, relay, dead letters) run.
 */
import type { Account, LedgerEntry } from '../../../lambdas/domain/account.js';
import type { Job } from '../../../lambdas/domain/job.js';
import { isOpenStatus } from '../../../lambdas/domain/job-lifecycle.js';
import { store } from './world.js';

interface LedgerSnapshot {
  account: Account;
  /** Newest first, as the store lists them. */
  rows: LedgerEntry[];
  /** Every job id the test knows of, with the job as stored (`undefined`: no such job). */
  jobs: Map<string, Job | undefined>;
  /** What the node earned, when the node served only this customer. */
  earned?: bigint;
}

const sum = (values: bigint[]) => values.reduce((total, value) => total + value, 0n);

/** The change a ledger row makes to (balance, reserved). */
function delta(row: LedgerEntry): { balance: bigint; reserved: bigint } {
  switch (row.kind) {
    case 'credit':
      return { balance: row.amount_wei, reserved: 0n };
    case 'reserve':
      return { balance: 0n, reserved: row.amount_wei };
    case 'release':
      return { balance: 0n, reserved: -row.amount_wei };
    case 'debit':
      return { balance: -row.amount_wei, reserved: -row.amount_wei };
  }
}

/**
 * Whether the rows can be replayed from an empty account, oldest first, each row's after-values
 * being exactly the account after it, ending at `account`. Rows written in the same millisecond
 * may be in any order among themselves, so those are tried in every order that fits.
 */
function replays(rows: LedgerEntry[], account: Account): boolean {
  const oldestFirst = [...rows].sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
  const walk = (remaining: LedgerEntry[], balance: bigint, reserved: bigint): boolean => {
    if (remaining.length === 0) return balance === account.balance_wei && reserved === account.reserved_wei;
    const at = remaining[0]!.created_at;
    for (let i = 0; i < remaining.length && remaining[i]!.created_at === at; i++) {
      const row = remaining[i]!;
      const change = delta(row);
      const nextBalance = balance + change.balance;
      const nextReserved = reserved + change.reserved;
      if (row.balance_after_wei !== nextBalance || row.reserved_after_wei !== nextReserved) continue;
      if (nextReserved < 0n || nextBalance < nextReserved) continue;
      if (walk([...remaining.slice(0, i), ...remaining.slice(i + 1)], nextBalance, nextReserved)) return true;
    }
    return false;
  };
  return walk(oldestFirst, 0n, 0n);
}

/** Everything wrong with a snapshot; empty when the invariant holds. */
function ledgerViolations(snapshot: LedgerSnapshot): string[] {
  const { account, rows, jobs } = snapshot;
  const problems: string[] = [];
  const of = (kind: LedgerEntry['kind']) => sum(rows.filter((row) => row.kind === kind).map((row) => row.amount_wei));
  const existing = [...jobs.values()].filter((job): job is Job => job !== undefined);
  const open = existing.filter((job) => isOpenStatus(job.status));

  // The account against the ledger and against its open jobs.
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
  if (account.reserved_wei < 0n || account.balance_wei - account.reserved_wei < 0n) {
    problems.push(`balance ${account.balance_wei}, reserved ${account.reserved_wei}: available is negative`);
  }
  if (
    rows.length > 0 &&
    !rows.some((row) => row.balance_after_wei === account.balance_wei && row.reserved_after_wei === account.reserved_wei)
  ) {
    problems.push('no ledger row ends at the account as stored');
  }
  if (!replays(rows, account)) problems.push('the ledger rows, oldest first, do not replay to the account');

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
    const expected = isOpenStatus(job.status)
      ? { reserve: 1, debit: 0, release: 0, billing: 'reserved' }
      : job.status === 'completed'
        ? { reserve: 1, debit: 1, release: 0, billing: 'debited' }
        : { reserve: 1, debit: 0, release: 1, billing: 'released' };
    const found = { reserve: count('reserve'), debit: count('debit'), release: count('release'), billing: job.billing_status };
    if (JSON.stringify(found) !== JSON.stringify(expected)) {
      problems.push(`job ${jobId} is ${job.status}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(found)}`);
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

/** A snapshot read while the account's version stood still. */
async function readLedgerSnapshot(customerId: string, jobIds: Iterable<string>, nodeId?: string): Promise<LedgerSnapshot> {
  const ids = [...new Set(jobIds)];
  for (let attempt = 1; ; attempt++) {
    const before = await store.getCustomer(customerId);
    if (before === undefined) throw new Error(`no customer ${customerId}`);
    const [rows, jobs, earnings] = await Promise.all([
      store.ledger(customerId, 1000),
      Promise.all(ids.map(async (jobId) => [jobId, (await store.read({ customerId, jobId })).job] as const)),
      nodeId === undefined ? undefined : store.getEarnings(nodeId),
    ]);
    const after = await store.getCustomer(customerId);
    if (after?.account.version === before.account.version) {
      return {
        account: before.account,
        rows,
        jobs: new Map(jobs),
        ...(earnings === undefined ? {} : { earned: earnings.payout_wei + earnings.protocol_fee_wei }),
      };
    }
    if (attempt >= 20) throw new Error(`the account of ${customerId} kept changing while it was read`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export type { LedgerSnapshot };
export { ledgerViolations, readLedgerSnapshot, replays };
