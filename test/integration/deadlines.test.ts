/**
 * Every open job has a deadline: a queued job must be claimed within the claim window, a claimed
 * job answered within the completion window, both counted from creation. A job past its deadline
 * is expired and its reservation released exactly once, by whoever notices first (a pull, the
 * node's own calls, a sweep); a job not yet overdue is never touched.
 *
 * The file works on a table of its own: no deployed sweeper reaches its jobs, and a sweep run
 * here sees only this file's jobs, so who expired a job and how many a sweep expired are exact.
 */
import { describe, expect, it } from 'vitest';
import { expireListedJob, expireOverdueJobs } from '../../lambdas/services/deadline-sweeper.js';
import { acceptedJob, claimedJob, queuedJob } from './support/jobs.js';
import { backdate, getJob, jobRows, plane, sweepLeftovers } from './support/lifecycle.js';
import { nodeCall, pull, pullJob, resultFor } from './support/node-calls.js';
import { useOwnTable } from './support/table.js';
import { account, ledger, newCustomer, newNode, queueDepth, store, storedJob } from './support/world.js';

useOwnTable();

const CLAIM_SECONDS = 900;
const COMPLETION_SECONDS = 3_600;

const plus = (at: string, seconds: number) => new Date(Date.parse(at) + seconds * 1000).toISOString();

describe('job deadlines', () => {
  it('shows the claim deadline 900 s and the completion deadline 3600 s after creation', async () => {
    // Prepare
    const { customer, jobId, createdAt } = await queuedJob();

    // Act
    const view = await getJob(customer, jobId);

    // Assess
    expect(view.status).toBe(200);
    expect(view.body.created_at).toBe(createdAt);
    expect(Date.parse(view.body.claim_deadline) - Date.parse(createdAt)).toBe(CLAIM_SECONDS * 1000);
    expect(Date.parse(view.body.completion_deadline) - Date.parse(createdAt)).toBe(COMPLETION_SECONDS * 1000);
    expect(view.body.claim_deadline).toMatch(/Z$/);
    expect(view.body.completion_deadline).toMatch(/Z$/);
  });

  it('keeps both deadlines when the job is claimed', async () => {
    // Prepare
    const { customer, jobId, createdAt } = await claimedJob();

    // Act
    const view = await getJob(customer, jobId);

    // Assess
    expect(view.body).toMatchObject({
      status: 'claimed',
      claim_deadline: plus(createdAt, CLAIM_SECONDS),
      completion_deadline: plus(createdAt, COMPLETION_SECONDS),
    });
  });

  it('does not hand out a queued job past its claim deadline; the job ends expired and released once', async () => {
    // Prepare: an overdue job, then a fresh one on the same node.
    const { customer, node, jobId } = await queuedJob(1_000n, 10_000n);
    await backdate(customer.customerId, jobId, CLAIM_SECONDS + 60);
    const fresh = await acceptedJob(customer, node);

    // Act
    const pulled = await pull(node, 10, 1);

    // Assess: only the fresh job is handed out; the overdue command is gone from the queue.
    expect(pulled.map((command) => command.command.job_id)).toEqual([fresh.jobId]);
    expect(await queueDepth(node.nodeId)).toBe(1);
    expect((await storedJob(customer.customerId, fresh.jobId))?.status).toBe('claimed');
    // The pull expired the job and released it exactly once.
    expect(await storedJob(customer.customerId, jobId)).toMatchObject({ status: 'expired', billing_status: 'released', claimed_at: null });
    expect((await getJob(customer, jobId)).body).toMatchObject({
      status: 'expired',
      billing: { status: 'released' },
      completed_at: expect.any(String),
    });
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 10_000n, reserved_wei: 1_000n });
    expect(await jobRows(customer.customerId, jobId)).toEqual([
      ['release', 1_000n, 10_000n, 1_000n],
      ['reserve', 1_000n, 10_000n, 1_000n],
    ]);
  });

  it('refuses the result of a claimed job past its completion deadline: no debit, no payout, the job expired', async () => {
    // Prepare
    const { customer, node, jobId, commandId, pulled } = await claimedJob(1_000n, 10_000n);
    await backdate(customer.customerId, jobId, COMPLETION_SECONDS + 60);

    // Act
    const result = await nodeCall(node, 'result', resultFor(node, pulled), { commandId });
    const lease = await nodeCall(node, 'lease', { lease_id: pulled.lease_id, lease_seconds: 60 }, { commandId });

    // Assess
    expect(result.status).toBe(409);
    expect(result.body.error.code).toBe('job_closed');
    expect(lease.status).toBe(200);
    expect(lease.body).toMatchObject({ job_id: jobId, status: 'expired' });
    expect(await storedJob(customer.customerId, jobId)).toMatchObject({
      status: 'expired',
      billing_status: 'released',
      receipt_hash: null,
    });
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 10_000n, reserved_wei: 0n });
    expect(await jobRows(customer.customerId, jobId)).toEqual([
      ['release', 1_000n, 10_000n, 0n],
      ['reserve', 1_000n, 10_000n, 1_000n],
    ]);
    expect(await store.getEarnings(node.nodeId)).toMatchObject({ payout_wei: 0n, protocol_fee_wei: 0n });
    expect(await store.nodeLedger(node.nodeId, 10)).toEqual([]);
  });

  it('releases once and never debits when a node reports a failure after the completion deadline', async () => {
    // Prepare
    const { customer, node, jobId, commandId, pulled } = await claimedJob(1_000n, 10_000n);
    await backdate(customer.customerId, jobId, COMPLETION_SECONDS + 60);

    // Act
    const failure = await nodeCall(node, 'failure', { lease_id: pulled.lease_id, code: 'inference_failed' }, { commandId });

    // Assess: the failure finds the job overdue, expires it first and is refused; no debit, one release.
    expect(failure.status).toBe(409);
    expect(failure.body.error.code).toBe('job_closed');
    expect(await storedJob(customer.customerId, jobId)).toMatchObject({ status: 'expired', billing_status: 'released' });
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 10_000n, reserved_wei: 0n });
    expect(await jobRows(customer.customerId, jobId)).toEqual([
      ['release', 1_000n, 10_000n, 0n],
      ['reserve', 1_000n, 10_000n, 1_000n],
    ]);
  });

  it('still settles a result posted just before the completion deadline', async () => {
    // Prepare: 5 minutes left to answer (a margin no slow run uses up); the claim deadline is long
    // past, which no longer matters.
    const { customer, node, jobId, commandId, pulled } = await claimedJob(1_000n, 10_000n);
    await sweepLeftovers();
    await backdate(customer.customerId, jobId, COMPLETION_SECONDS - 300);

    // Act
    const result = await nodeCall(node, 'result', resultFor(node, pulled), { commandId });
    const swept = await expireOverdueJobs(plane);

    // Assess
    expect(result.status).toBe(200);
    expect(swept).toMatchObject({ examined: 0, expired: 0 });
    expect(result.body).toMatchObject({ job_id: jobId, status: 'completed', receipt_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await storedJob(customer.customerId, jobId)).toMatchObject({ status: 'completed', billing_status: 'debited' });
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 9_000n, reserved_wei: 0n });
    expect((await jobRows(customer.customerId, jobId)).map(([kind]) => kind)).toEqual(['debit', 'reserve']);
    expect(await store.getEarnings(node.nodeId)).toMatchObject({ payout_wei: 900n, protocol_fee_wei: 100n });
  });
});

describe('the deadline sweeper', () => {
  it('expires each of 5 overdue jobs exactly once when two sweeps run at once', async () => {
    // Prepare: five queued jobs of one customer, all past their claim deadline.
    const price = 1_000n;
    const customer = await newCustomer(10_000n);
    const node = await newNode({ priceWei: price });
    const jobs = [];
    for (let i = 0; i < 5; i++) jobs.push((await acceptedJob(customer, node)).jobId);
    await sweepLeftovers();
    await Promise.all(jobs.map((jobId) => backdate(customer.customerId, jobId, CLAIM_SECONDS + 60)));

    // Act
    const reports = await Promise.all([expireOverdueJobs(plane), expireOverdueJobs(plane)]);

    // Assess: between them the two sweeps expired exactly the five, and listed nothing else.
    expect(reports[0].expired + reports[1].expired).toBe(5);
    for (const report of reports) expect(report.examined).toBeLessThanOrEqual(5);
    const stored = await Promise.all(jobs.map((jobId) => storedJob(customer.customerId, jobId)));
    expect(stored.map((job) => [job?.status, job?.billing_status])).toEqual(Array(5).fill(['expired', 'released']));
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 10_000n, reserved_wei: 0n });
    const releases = (await ledger(customer.customerId)).filter((row) => row.kind === 'release');
    expect(releases.map((row) => row.private_job_id).sort()).toEqual([...jobs].sort());
    // Each release saw the one before it: reserved after each is k × price, k = 0..4.
    expect(releases.map((row) => row.reserved_after_wei).sort((a, b) => (a < b ? -1 : 1))).toEqual(
      [0n, 1n, 2n, 3n, 4n].map((k) => k * price),
    );
    expect(releases.every((row) => row.amount_wei === price && row.balance_after_wei === 10_000n)).toBe(true);
  });

  it('never touches a job that is not overdue, whatever its other deadline says', async () => {
    // Prepare: a fresh queued job; a queued job 5 minutes before its claim deadline; a claimed job
    // 5 minutes before its completion deadline (its claim deadline long past).
    const customer = await newCustomer(10_000n);
    const node = await newNode({ priceWei: 1_000n });
    const claimed = (await acceptedJob(customer, node)).jobId;
    await pullJob(node, claimed);
    const fresh = (await acceptedJob(customer, node)).jobId;
    const nearClaim = (await acceptedJob(customer, node)).jobId;
    await sweepLeftovers();
    await backdate(customer.customerId, nearClaim, CLAIM_SECONDS - 300);
    await backdate(customer.customerId, claimed, COMPLETION_SECONDS - 300);
    const before = { account: await account(customer.customerId), ledger: await ledger(customer.customerId) };

    // Act
    const reports = await Promise.all([expireOverdueJobs(plane), expireOverdueJobs(plane)]);

    // Assess: neither sweep even listed them.
    for (const report of reports) expect(report).toMatchObject({ examined: 0, expired: 0 });
    expect((await storedJob(customer.customerId, fresh))?.status).toBe('queued');
    expect((await storedJob(customer.customerId, nearClaim))?.status).toBe('queued');
    expect((await storedJob(customer.customerId, claimed))?.status).toBe('claimed');
    expect(await account(customer.customerId)).toEqual(before.account);
    expect(before.account.reserved_wei).toBe(3_000n);
    expect(await ledger(customer.customerId)).toEqual(before.ledger);
  });

  it.each([
    { case: 'a claimed job, listed as due by now', claim: true, dueBy: () => new Date() },
    // A listing as of a time past the claim deadline, but before the completion deadline that
    // governs a claimed job.
    {
      case: 'a claimed job, listed as due by a time past its claim deadline',
      claim: true,
      dueBy: (createdAt: string) => new Date(Date.parse(createdAt) + (CLAIM_SECONDS + 60) * 1000),
    },
    { case: 'a queued job, listed as due by now', claim: false, dueBy: () => new Date() },
  ])('does not expire $case (the guard against a stale listing)', async ({ claim, dueBy }) => {
    // Prepare
    const { customer, jobId, createdAt } = claim ? await claimedJob(1_000n, 10_000n) : await queuedJob(1_000n, 10_000n);
    const before = { job: await storedJob(customer.customerId, jobId), account: await account(customer.customerId) };

    // Act
    const expired = await expireListedJob(plane, { customer_id: customer.customerId, job_id: jobId }, dueBy(createdAt).toISOString());

    // Assess
    expect(expired).toBe(false);
    expect(await storedJob(customer.customerId, jobId)).toEqual(before.job);
    expect(before.job?.status).toBe(claim ? 'claimed' : 'queued');
    expect(await account(customer.customerId)).toEqual(before.account);
    expect((await ledger(customer.customerId)).filter((row) => row.kind === 'release')).toEqual([]);
  });

  it('expires a listed overdue job once: a second expiry of the same listing changes nothing', async () => {
    // Prepare
    const { customer, jobId } = await queuedJob(1_000n, 10_000n);
    await backdate(customer.customerId, jobId, CLAIM_SECONDS + 60);
    const ref = { customer_id: customer.customerId, job_id: jobId };

    // Act
    const asOf = new Date().toISOString();
    const outcomes = await Promise.all([expireListedJob(plane, ref, asOf), expireListedJob(plane, ref, asOf)]);
    const later = await expireListedJob(plane, ref, new Date().toISOString());

    // Assess: exactly one of the two did it.
    expect(outcomes.filter(Boolean)).toEqual([true]);
    expect(later).toBe(false);
    expect(await storedJob(customer.customerId, jobId)).toMatchObject({ status: 'expired', billing_status: 'released' });
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 10_000n, reserved_wei: 0n });
    expect(await jobRows(customer.customerId, jobId)).toEqual([
      ['release', 1_000n, 10_000n, 0n],
      ['reserve', 1_000n, 10_000n, 1_000n],
    ]);
  });
});
