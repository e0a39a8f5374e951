/**
 * `POST /v1/admin/reservations/release-stale`: lists the reservations of open jobs that are stale
 * (past their deadline, or older than `older_than_seconds`) and, only when asked with
 * `dry_run: false`, expires those jobs and releases their reservations.
 *
 * The file works on a table of its own: every open job listed is one of this file's, and no
 * deployed sweeper expires a backdated job behind the endpoint's back. Listings of every open job
 * (`older_than_seconds: 0`) also hold the open jobs of earlier tests here, so those are filtered to
 * the test's own jobs; listings of overdue jobs follow `sweepLeftovers()` and are exact.
 */

import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { keys } from '../../lambdas/adapters/dynamodb/items.js';
import { adminHeaders, callApi } from './support/api.js';
import { acceptedJob, queuedJob } from './support/jobs.js';
import { backdate, sweepLeftovers } from './support/lifecycle.js';
import { answerJob, pullJob } from './support/node-calls.js';
import { tableName, useOwnTable } from './support/table.js';
import { account, footprint, ledger, newCustomer, newNode, storedJob } from './support/world.js';

useOwnTable();

const RELEASE_STALE = '/v1/admin/reservations/release-stale';
const OVERDUE_SECONDS = 900 + 60;
const dynamodb = new DynamoDBClient({});

const releaseStale = (json: unknown, headers: Record<string, string> = adminHeaders()) => callApi('POST', RELEASE_STALE, { headers, json });

// biome-ignore lint/suspicious/noExplicitAny: answers are loosely typed JSON
const listed = (body: any, jobIds: string[]) => (body.reservations as any[]).filter((entry) => jobIds.includes(entry.job_id));

/** Why the job was closed, as stored (not part of any view). */
async function closeReason(customerId: string, jobId: string): Promise<string | undefined> {
  const { Item } = await dynamodb.send(
    new GetItemCommand({
      TableName: tableName(),
      Key: keys.job(customerId, jobId),
      ConsistentRead: true,
    }),
  );
  return Item?.close_reason?.S;
}

const releaseRows = async (customerId: string, jobId: string) =>
  (await ledger(customerId)).filter((row) => row.kind === 'release' && row.private_job_id === jobId);

describe('listing stale reservations (dry run)', () => {
  it('lists an overdue job as would_release by default and changes nothing', async () => {
    // Prepare
    const { customer, node, jobId } = await queuedJob(1_000n, 10_000n);
    const job = await storedJob(customer.customerId, jobId);
    await sweepLeftovers();
    await backdate(customer.customerId, jobId, OVERDUE_SECONDS);
    const before = { footprint: await footprint(customer), job: await storedJob(customer.customerId, jobId) };

    // Act
    const answer = await releaseStale({ limit: 1000 });

    // Assess: the answer lists exactly the overdue job.
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ dry_run: true, as_of: expect.stringMatching(/Z$/), count: 1 });
    expect(Date.parse(answer.body.as_of)).toBeLessThanOrEqual(Date.now());
    expect(answer.body.reservations).toEqual([
      {
        customer_id: customer.customerId,
        job_id: jobId,
        node_id: node.nodeId,
        status: 'queued',
        reserved_price_wei: '1000',
        created_at: job?.created_at,
        due_at: before.job?.claim_deadline,
        outcome: 'would_release',
      },
    ]);
    // Nothing changed.
    expect(await storedJob(customer.customerId, jobId)).toEqual(before.job);
    expect(await footprint(customer)).toEqual(before.footprint);
    expect(await releaseRows(customer.customerId, jobId)).toEqual([]);
  });

  it('accepts an empty body as a dry run with the defaults', async () => {
    // Prepare
    const { customer, jobId } = await queuedJob();
    const before = { footprint: await footprint(customer), job: await storedJob(customer.customerId, jobId) };

    // Act
    const answer = await callApi('POST', RELEASE_STALE, { headers: adminHeaders() });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.dry_run).toBe(true);
    expect(answer.body.count).toBeLessThanOrEqual(100);
    expect(listed(answer.body, [jobId])).toEqual([]);
    expect(await footprint(customer)).toEqual(before.footprint);
    expect(await storedJob(customer.customerId, jobId)).toEqual(before.job);
  });

  it('lists fresh open jobs, queued and claimed, with older_than_seconds 0, and changes nothing', async () => {
    // Prepare: one claimed and one queued job, neither overdue.
    const customer = await newCustomer(10_000n);
    const node = await newNode({ priceWei: 1_000n });
    const claimed = (await acceptedJob(customer, node)).jobId;
    await pullJob(node, claimed);
    const queued = (await acceptedJob(customer, node)).jobId;
    const before = {
      footprint: await footprint(customer, node),
      jobs: await Promise.all([claimed, queued].map((jobId) => storedJob(customer.customerId, jobId))),
    };

    // Act
    const answer = await releaseStale({ older_than_seconds: 0, limit: 1000 });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.dry_run).toBe(true);
    const mine = listed(answer.body, [claimed, queued]);
    expect(mine).toHaveLength(2);
    expect(Object.fromEntries(mine.map((entry) => [entry.job_id, [entry.status, entry.due_at, entry.outcome]]))).toEqual({
      [claimed]: ['claimed', before.jobs[0]?.completion_deadline, 'would_release'],
      [queued]: ['queued', before.jobs[1]?.claim_deadline, 'would_release'],
    });
    expect(await footprint(customer, node)).toEqual(before.footprint);
    expect(await Promise.all([claimed, queued].map((jobId) => storedJob(customer.customerId, jobId)))).toEqual(before.jobs);
  });

  it('does not list a fresh job without older_than_seconds, nor with an age it has not reached', async () => {
    // Prepare
    const { jobId } = await queuedJob();

    // Act
    const [overdueOnly, olderThanAnHour] = await Promise.all([
      releaseStale({ limit: 1000 }),
      releaseStale({ older_than_seconds: 3_600, limit: 1000 }),
    ]);

    // Assess
    expect(overdueOnly.status).toBe(200);
    expect(olderThanAnHour.status).toBe(200);
    expect(listed(overdueOnly.body, [jobId])).toEqual([]);
    expect(listed(olderThanAnHour.body, [jobId])).toEqual([]);
  });

  it.each([
    { case: 'the largest limit and age', body: { dry_run: true, older_than_seconds: 366 * 86_400, limit: 1000 } },
    { case: 'the smallest limit and age', body: { older_than_seconds: 0, limit: 1 } },
  ])('accepts $case', async ({ body }) => {
    const answer = await releaseStale(body);

    expect(answer.status).toBe(200);
    expect(answer.body.dry_run).toBe(true);
    expect(answer.body.count).toBeLessThanOrEqual(body.limit);
  });

  it('caps the answer at limit', async () => {
    // Prepare: three fresh open jobs (only this endpoint's age filter finds them; no sweep touches them).
    const customer = await newCustomer(10_000n);
    const node = await newNode({ priceWei: 1_000n });
    for (let i = 0; i < 3; i++) await acceptedJob(customer, node);

    // Act
    const [one, two] = await Promise.all([
      releaseStale({ older_than_seconds: 0, limit: 1 }),
      releaseStale({ older_than_seconds: 0, limit: 2 }),
    ]);

    // Assess
    expect(one.status).toBe(200);
    expect(one.body.count).toBe(1);
    expect(one.body.reservations).toHaveLength(1);
    expect(two.body.count).toBe(2);
    expect(two.body.reservations).toHaveLength(2);
  });

  it('never lists a completed job, however old or overdue its deadlines', async () => {
    // Prepare: a settled job whose deadlines are moved into the past.
    const { customer, node, jobId } = await queuedJob();
    expect((await answerJob(node, jobId, (prompt) => prompt)).status).toBe(200);
    await backdate(customer.customerId, jobId, 3_600 + 60);
    const before = await footprint(customer);

    // Act
    const [overdue, aged] = await Promise.all([releaseStale({ limit: 1000 }), releaseStale({ older_than_seconds: 0, limit: 1000 })]);

    // Assess
    expect(listed(overdue.body, [jobId])).toEqual([]);
    expect(listed(aged.body, [jobId])).toEqual([]);
    expect(await storedJob(customer.customerId, jobId)).toMatchObject({ status: 'completed', billing_status: 'debited' });
    expect(await footprint(customer)).toEqual(before);
  });
});

describe('releasing stale reservations', () => {
  it('expires an overdue job and releases its reservation once; a second run no longer lists it', async () => {
    // Prepare: two overdue jobs of one customer, and a fresh one that must stay open.
    const customer = await newCustomer(10_000n);
    const node = await newNode({ priceWei: 1_000n });
    const overdue = [(await acceptedJob(customer, node)).jobId, (await acceptedJob(customer, node)).jobId];
    const fresh = (await acceptedJob(customer, node)).jobId;
    await sweepLeftovers();
    await Promise.all(overdue.map((jobId) => backdate(customer.customerId, jobId, OVERDUE_SECONDS)));

    // Act
    const first = await releaseStale({ dry_run: false, limit: 1000 });
    const second = await releaseStale({ dry_run: false, limit: 1000 });

    // Assess: the first run released exactly the two overdue jobs, the second found nothing.
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ dry_run: false, count: 2 });
    // biome-ignore lint/suspicious/noExplicitAny: answers are loosely typed JSON
    expect([...first.body.reservations].sort((a: any, b: any) => (a.job_id < b.job_id ? -1 : 1))).toEqual(
      [...overdue].sort().map((jobId) =>
        expect.objectContaining({
          job_id: jobId,
          customer_id: customer.customerId,
          status: 'queued',
          reserved_price_wei: '1000',
          outcome: 'released',
        }),
      ),
    );
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ dry_run: false, count: 0, reservations: [] });
    for (const jobId of overdue) {
      expect(await closeReason(customer.customerId, jobId)).toBe('released_by_operator');
      expect(await storedJob(customer.customerId, jobId)).toMatchObject({
        status: 'expired',
        billing_status: 'released',
        completed_at: expect.any(String),
      });
      expect((await releaseRows(customer.customerId, jobId)).map((row) => row.amount_wei)).toEqual([1_000n]);
    }
    // The money: only the fresh job is still reserved.
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 10_000n, reserved_wei: 1_000n });
    expect((await storedJob(customer.customerId, fresh))?.status).toBe('queued');
    const releases = (await ledger(customer.customerId)).filter((row) => row.kind === 'release');
    expect(releases.map((row) => row.reserved_after_wei).sort((a, b) => (a < b ? -1 : 1))).toEqual([1_000n, 2_000n]);
  });
});

describe('release-stale refusals', () => {
  it.each([
    { case: 'dry_run "yes"', body: { dry_run: 'yes' } },
    { case: 'dry_run null', body: { dry_run: null } },
    { case: 'older_than_seconds -1', body: { older_than_seconds: -1 } },
    { case: 'older_than_seconds 1.5', body: { older_than_seconds: 1.5 } },
    { case: 'older_than_seconds "60"', body: { older_than_seconds: '60' } },
    { case: 'older_than_seconds past 366 days', body: { older_than_seconds: 366 * 86_400 + 1 } },
    { case: 'limit 0', body: { limit: 0 } },
    { case: 'limit 1001', body: { limit: 1001 } },
    { case: 'limit 2.5', body: { limit: 2.5 } },
    { case: 'an unknown field', body: { limit: 10, customer_id: 'x' } },
    { case: 'a JSON array', body: [] },
  ])('answers 400 invalid_request for $case and changes nothing', async ({ body }) => {
    // Prepare: an open job of this customer (no refused request may touch it).
    const { customer, node, jobId } = await queuedJob();
    const before = { footprint: await footprint(customer, node), job: await storedJob(customer.customerId, jobId) };

    // Act
    const answer = await releaseStale(body);

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: { status: 400, title: expect.any(String), detail: expect.any(String), code: 'invalid_request' } });
    expect(await footprint(customer, node)).toEqual(before.footprint);
    expect(await storedJob(customer.customerId, jobId)).toEqual(before.job);
  });

  it.each([
    { case: 'a wrong admin token', headers: () => ({ 'X-B3IQ-Admin-Token': `${adminHeaders()['X-B3IQ-Admin-Token']}x` }) },
    { case: 'no admin token', headers: () => ({}) },
    { case: 'customer credentials', headers: () => ({ 'X-B3IQ-Customer-ID': 'cus-x', 'X-B3IQ-Customer-Token': 'y' }) },
  ])('answers 401 unauthorized for $case, even with a bad body, and changes nothing', async ({ headers }) => {
    // Prepare
    const { customer, node, jobId } = await queuedJob();
    const before = { footprint: await footprint(customer, node), job: await storedJob(customer.customerId, jobId) };

    // Act
    const [valid, invalid] = await Promise.all([
      releaseStale({ dry_run: true, older_than_seconds: 0 }, headers()),
      releaseStale({ dry_run: 'yes' }, headers()),
    ]);

    // Assess
    for (const answer of [valid, invalid]) {
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('unauthorized');
    }
    expect(await footprint(customer, node)).toEqual(before.footprint);
    expect(await storedJob(customer.customerId, jobId)).toEqual(before.job);
  });

  it('answers 415 for a body that is not application/json', async () => {
    const answer = await callApi('POST', RELEASE_STALE, { headers: { ...adminHeaders(), 'Content-Type': 'text/plain' }, body: '{}' });

    expect(answer.status).toBe(415);
    expect(answer.body.error.code).toBe('unsupported_media_type');
  });
});
