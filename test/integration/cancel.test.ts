/**
 * `POST /v1/private-inference/jobs/{job_id}/cancel`: an open job becomes `cancelled` and its
 * reservation is released exactly once; a job that already ended without a debit is answered as
 * it stands; a completed or failed job is refused; every refusal changes nothing.
 *
 * The file works on a table of its own, so its sweeps end only its own jobs and no deployed
 * sweeper takes part in its races.
 */
import { describe, expect, it } from 'vitest';
import { expireOverdueJobs } from '../../lambdas/services/deadline-sweeper.js';
import { type ApiCall, callApi } from './support/api.js';
import { queuedJob } from './support/jobs.js';
import { backdate, cancelJob, getJob, jobRows, plane, sweepLeftovers } from './support/lifecycle.js';
import { answerJob, nodeCall, pull, pullJob, resultFor } from './support/node-calls.js';
import { useOwnTable } from './support/table.js';
import {
  account,
  footprint,
  newCustomer,
  newNode,
  sealedJob,
  store,
  storedJob,
  type TestCustomer,
  type TestNode,
  uniqueId,
} from './support/world.js';

useOwnTable();

const CANCEL = '/v1/private-inference/jobs/{job_id}/cancel';

const billingAccount = (customer: TestCustomer) => callApi('GET', '/v1/billing/account', { headers: customer.headers });

describe('cancelling an open job', () => {
  it('cancels a queued job: answers the job view, releases the reservation once, and the node never gets it', async () => {
    // Prepare
    const { customer, node, jobId } = await queuedJob(1_000n, 10_000n);

    // Act
    const cancelled = await cancelJob(customer, jobId);
    const view = await getJob(customer, jobId);
    const pulled = await pull(node, 10, 0);

    // Assess: the answer is the job as GET shows it.
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual(view.body);
    expect(view.body).toMatchObject({
      job_id: jobId,
      node_id: node.nodeId,
      status: 'cancelled',
      encrypted_response: null,
      receipt_hash: null,
      billing: { status: 'released', reserved_price_wei: '1000' },
      completed_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/),
    });
    expect(Date.parse(view.body.completed_at)).toBeGreaterThanOrEqual(Date.parse(view.body.created_at));
    // The money: nothing reserved, everything available again, one release row with the after-values.
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 10_000n, reserved_wei: 0n });
    expect((await billingAccount(customer)).body).toMatchObject({ balance_wei: '10000', reserved_wei: '0', available_wei: '10000' });
    expect(await jobRows(customer.customerId, jobId)).toEqual([
      ['release', 1_000n, 10_000n, 0n],
      ['reserve', 1_000n, 10_000n, 1_000n],
    ]);
    expect((await storedJob(customer.customerId, jobId))?.billing_status).toBe('released');
    // The node's pull finds nothing to do and the command is gone.
    expect(pulled.map((command) => command.command.job_id)).not.toContain(jobId);
    expect((await footprint(customer, node)).queued).toBe(0);
  });

  it('answers a repeated cancel with the same body and releases nothing more', async () => {
    // Prepare
    const { customer, jobId } = await queuedJob(1_000n, 10_000n);
    const first = await cancelJob(customer, jobId);
    const before = await footprint(customer);

    // Act
    const again = await cancelJob(customer, jobId);

    // Assess
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await footprint(customer)).toEqual(before);
    expect((await jobRows(customer.customerId, jobId)).filter(([kind]) => kind === 'release')).toHaveLength(1);
  });

  it('cancels a claimed job; the node then learns it is cancelled and can neither settle nor fail it', async () => {
    // Prepare: the node has pulled (claimed) the job.
    const { customer, node, jobId, commandId } = await queuedJob(1_000n, 10_000n);
    const pulled = await pullJob(node, jobId);
    expect((await storedJob(customer.customerId, jobId))?.status).toBe('claimed');

    // Act
    const cancelled = await cancelJob(customer, jobId);
    const lease = await nodeCall(node, 'lease', { lease_id: pulled.lease_id, lease_seconds: 60 }, { commandId });
    const result = await nodeCall(node, 'result', resultFor(node, pulled), { commandId });
    const failure = await nodeCall(node, 'failure', { lease_id: pulled.lease_id, code: 'inference_failed' }, { commandId });

    // Assess: the cancel.
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      job_id: jobId,
      status: 'cancelled',
      billing: { status: 'released' },
      completed_at: expect.any(String),
    });
    expect(cancelled.body).toEqual((await getJob(customer, jobId)).body);
    // What the node is told.
    expect(lease.status).toBe(200);
    expect(lease.body).toMatchObject({ job_id: jobId, command_id: commandId, status: 'cancelled' });
    expect(lease.body.lease_expires_at).toBeUndefined();
    expect((await footprint(customer, node)).queued).toBe(0);
    expect(result.status).toBe(409);
    expect(result.body.error.code).toBe('job_closed');
    expect(failure.status).toBe(409);
    expect(failure.body.error.code).toBe('job_closed');
    // No debit and no payout: the customer keeps the whole balance, released once.
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 10_000n, reserved_wei: 0n });
    expect(await jobRows(customer.customerId, jobId)).toEqual([
      ['release', 1_000n, 10_000n, 0n],
      ['reserve', 1_000n, 10_000n, 1_000n],
    ]);
    expect(await store.getEarnings(node.nodeId)).toMatchObject({ payout_wei: 0n, protocol_fee_wei: 0n });
    expect(await store.nodeLedger(node.nodeId, 10)).toEqual([]);
    expect(await storedJob(customer.customerId, jobId)).toMatchObject({
      status: 'cancelled',
      billing_status: 'released',
      receipt_hash: null,
    });
  });
});

describe('cancelling a job that has ended', () => {
  it('refuses a completed job with 409 job_not_cancellable and changes nothing', async () => {
    // Prepare
    const { customer, node, jobId } = await queuedJob(1_000n, 10_000n);
    const settled = await answerJob(node, jobId, (prompt) => prompt);
    expect(settled.status).toBe(200);
    const before = { footprint: await footprint(customer, node), view: (await getJob(customer, jobId)).body };

    // Act
    const answer = await cancelJob(customer, jobId);

    // Assess
    expect(answer.status).toBe(409);
    expect(answer.body).toEqual({
      error: { status: 409, title: expect.any(String), detail: expect.any(String), code: 'job_not_cancellable' },
    });
    expect(await footprint(customer, node)).toEqual(before.footprint);
    expect((await getJob(customer, jobId)).body).toEqual(before.view);
    expect(before.view).toMatchObject({ status: 'completed', billing: { status: 'debited' } });
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 9_000n, reserved_wei: 0n });
  });

  it('refuses a failed job with 409 job_not_cancellable and changes nothing', async () => {
    // Prepare
    const { customer, node, jobId, commandId } = await queuedJob(1_000n, 10_000n);
    const pulled = await pullJob(node, jobId);
    const failed = await nodeCall(node, 'failure', { lease_id: pulled.lease_id, code: 'inference_failed' }, { commandId });
    expect(failed.body).toMatchObject({ status: 'failed' });
    const before = { footprint: await footprint(customer, node), view: (await getJob(customer, jobId)).body };

    // Act
    const answer = await cancelJob(customer, jobId);

    // Assess
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('job_not_cancellable');
    expect(await footprint(customer, node)).toEqual(before.footprint);
    expect((await getJob(customer, jobId)).body).toEqual(before.view);
    expect(await jobRows(customer.customerId, jobId)).toEqual([
      ['release', 1_000n, 10_000n, 0n],
      ['reserve', 1_000n, 10_000n, 1_000n],
    ]);
  });

  it('answers an expired job as it stands, with no extra ledger row', async () => {
    // Prepare: past its claim deadline, expired by a sweep.
    const { customer, jobId } = await queuedJob(1_000n, 10_000n);
    await sweepLeftovers();
    await backdate(customer.customerId, jobId, 1_000);
    expect(await expireOverdueJobs(plane)).toMatchObject({ expired: 1 });
    const view = (await getJob(customer, jobId)).body;
    const before = await footprint(customer);

    // Act
    const answer = await cancelJob(customer, jobId);

    // Assess
    expect(view).toMatchObject({ status: 'expired', billing: { status: 'released' }, completed_at: expect.any(String) });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(view);
    expect(await footprint(customer)).toEqual(before);
    expect(await jobRows(customer.customerId, jobId)).toEqual([
      ['release', 1_000n, 10_000n, 0n],
      ['reserve', 1_000n, 10_000n, 1_000n],
    ]);
  });
});

interface World {
  customer: TestCustomer;
  other: TestCustomer;
  node: TestNode;
  jobId: string;
}

type Refusal = { case: string; status: number; code: string; call: (world: World) => ApiCall };

const asOwner = (w: World, call: Omit<ApiCall, 'params'> = {}, jobId = w.jobId): ApiCall => ({
  ...call,
  params: { job_id: jobId },
  headers: { ...w.customer.headers, ...call.headers },
});

const REFUSALS: Refusal[] = [
  {
    case: 'another customer’s job',
    status: 404,
    code: 'job_not_found',
    call: (w) => ({ params: { job_id: w.jobId }, headers: w.other.headers }),
  },
  { case: 'an unknown job id', status: 404, code: 'job_not_found', call: (w) => asOwner(w, {}, uniqueId('job')) },
  { case: 'a job id with a space', status: 404, code: 'job_not_found', call: (w) => asOwner(w, {}, `${w.jobId} x`) },
  { case: 'a job id starting with a dash', status: 404, code: 'job_not_found', call: (w) => asOwner(w, {}, `-${w.jobId}`) },
  {
    case: 'a job id of 129 characters',
    status: 404,
    code: 'job_not_found',
    call: (w) => asOwner(w, {}, `${w.jobId}${'x'.repeat(129 - w.jobId.length)}`),
  },
  {
    case: 'a wrong token',
    status: 401,
    code: 'unauthorized',
    call: (w) => asOwner(w, { headers: { 'X-B3IQ-Customer-Token': w.other.token } }),
  },
  { case: 'no credentials', status: 401, code: 'unauthorized', call: (w) => ({ params: { job_id: w.jobId } }) },
  {
    case: 'an unknown customer id',
    status: 401,
    code: 'unauthorized',
    call: (w) => asOwner(w, { headers: { 'X-B3IQ-Customer-ID': uniqueId('nobody') } }),
  },
  {
    case: 'a wrong token and a bad body (credentials come first)',
    status: 401,
    code: 'unauthorized',
    call: (w) => asOwner(w, { headers: { 'X-B3IQ-Customer-Token': 'x', 'Content-Type': 'text/plain' }, body: 'nope' }),
  },
  { case: 'a body with an unknown field', status: 400, code: 'invalid_request', call: (w) => asOwner(w, { json: { x: 1 } }) },
  {
    case: 'a body that is not JSON',
    status: 400,
    code: 'invalid_request',
    call: (w) => asOwner(w, { headers: { 'Content-Type': 'application/json' }, body: '{"reason":' }),
  },
  { case: 'a JSON array', status: 400, code: 'invalid_request', call: (w) => asOwner(w, { json: [] }) },
  { case: 'a JSON null', status: 400, code: 'invalid_request', call: (w) => asOwner(w, { json: null }) },
  {
    case: 'a bad body for an unknown job (the body comes before the job)',
    status: 400,
    code: 'invalid_request',
    call: (w) => asOwner(w, { json: { x: 1 } }, uniqueId('job')),
  },
  {
    case: 'a text/plain body',
    status: 415,
    code: 'unsupported_media_type',
    call: (w) => asOwner(w, { headers: { 'Content-Type': 'text/plain' }, body: '{}' }),
  },
  { case: 'a body without Content-Type', status: 415, code: 'unsupported_media_type', call: (w) => asOwner(w, { body: '{}' }) },
  {
    case: 'a text/plain body for an unknown job (the media type comes before the job)',
    status: 415,
    code: 'unsupported_media_type',
    call: (w) => asOwner(w, { headers: { 'Content-Type': 'text/plain' }, body: '{}' }, uniqueId('job')),
  },
];

describe('cancel refusals', () => {
  it.each(REFUSALS)('answers $status $code for $case and changes nothing', async ({ status, code, call }) => {
    // Prepare
    const { customer, node, jobId } = await queuedJob(1_000n, 10_000n);
    const world: World = { customer, node, jobId, other: await newCustomer(10_000n) };
    const before = {
      owner: await footprint(customer, node),
      other: await footprint(world.other),
      job: await storedJob(customer.customerId, jobId),
    };

    // Act
    const answer = await callApi('POST', CANCEL, call(world));

    // Assess
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ error: { status, title: expect.any(String), detail: expect.any(String), code } });
    expect(await footprint(customer, node)).toEqual(before.owner);
    expect(await footprint(world.other)).toEqual(before.other);
    expect(await storedJob(customer.customerId, jobId)).toEqual(before.job);
    expect(before.job?.status).toBe('queued');
  });

  it.each([
    { case: 'an empty body without Content-Type', call: {} },
    { case: 'an empty body with Content-Type: application/json', call: { headers: { 'Content-Type': 'application/json' }, body: '' } },
    { case: 'an empty body with Content-Type: text/plain', call: { headers: { 'Content-Type': 'text/plain' }, body: '' } },
    { case: 'the JSON object {}', call: { json: {} } },
    { case: 'Application/JSON with a charset', call: { headers: { 'Content-Type': 'Application/JSON; charset=utf-8' }, body: '{ }' } },
  ])('accepts $case', async ({ call }) => {
    // Prepare
    const { customer, node, jobId } = await queuedJob(1_000n, 10_000n);

    // Act
    const answer = await cancelJob(customer, jobId, call);

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ job_id: jobId, status: 'cancelled', billing: { status: 'released' } });
    expect(await footprint(customer, node)).toMatchObject({ account: { balance_wei: 10_000n, reserved_wei: 0n }, ledgerRows: 3 });
  });
});

describe('cancel and other customers', () => {
  it('cancels only the caller’s job when another customer uses the same job id', async () => {
    // Prepare: two customers, one job id each, same node.
    const node = await newNode({ priceWei: 1_000n });
    const [mine, theirs] = [await newCustomer(10_000n), await newCustomer(10_000n)];
    const jobId = uniqueId('job');
    for (const customer of [mine, theirs]) {
      const accepted = await callApi('POST', '/v1/private-inference/jobs', {
        headers: customer.headers,
        json: sealedJob(node, { job_id: jobId }),
      });
      expect(accepted.status).toBe(202);
    }
    const before = { theirs: await footprint(theirs), job: await storedJob(theirs.customerId, jobId) };

    // Act
    const answer = await cancelJob(mine, jobId);

    // Assess
    expect(answer.body).toMatchObject({
      job_id: jobId,
      status: 'cancelled',
      billing: { customer_id: mine.customerId, status: 'released' },
    });
    expect(await footprint(theirs)).toEqual(before.theirs);
    expect(await storedJob(theirs.customerId, jobId)).toEqual(before.job);
    expect(before.job?.status).toBe('queued');
  });
});

describe('concurrent cancels', () => {
  it('answers 12 concurrent cancels of one job with the same cancelled job and releases once', async () => {
    // Prepare
    const { customer, jobId } = await queuedJob(1_000n, 10_000n);

    // Act
    const answers = await Promise.all(Array.from({ length: 12 }, () => cancelJob(customer, jobId)));

    // Assess
    const view = (await getJob(customer, jobId)).body;
    expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(200));
    for (const answer of answers) expect(answer.body).toEqual(view);
    expect(view).toMatchObject({ status: 'cancelled', billing: { status: 'released' } });
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 10_000n, reserved_wei: 0n });
    expect(await jobRows(customer.customerId, jobId)).toEqual([
      ['release', 1_000n, 10_000n, 0n],
      ['reserve', 1_000n, 10_000n, 1_000n],
    ]);
  });

  it('ends a job exactly once when a cancel races the node’s result', async () => {
    // Prepare: five claimed jobs, each cancelled while its node posts the result.
    const jobs = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const job = await queuedJob(1_000n, 10_000n);
        return { ...job, pulled: await pullJob(job.node, job.jobId) };
      }),
    );

    // Act
    const answers = await Promise.all(
      jobs.map(({ customer, node, jobId, commandId, pulled }) =>
        Promise.all([cancelJob(customer, jobId), nodeCall(node, 'result', resultFor(node, pulled), { commandId })]),
      ),
    );

    // Assess: either the cancel won (200 cancelled, result 409, no debit) or the result did
    // (200 completed, cancel 409, debited): never both, never neither.
    for (const [i, [cancel, result]] of answers.entries()) {
      const { customer, node, jobId } = jobs[i]!;
      const stored = await storedJob(customer.customerId, jobId);
      const kinds = (await jobRows(customer.customerId, jobId)).map(([kind]) => kind);
      if (cancel.status === 200) {
        expect(cancel.body).toMatchObject({ status: 'cancelled', billing: { status: 'released' } });
        expect(result.status).toBe(409);
        expect(result.body.error.code).toBe('job_closed');
        expect(stored).toMatchObject({ status: 'cancelled', billing_status: 'released' });
        expect(kinds).toEqual(['release', 'reserve']);
        expect(await account(customer.customerId)).toMatchObject({ balance_wei: 10_000n, reserved_wei: 0n });
        expect(await store.getEarnings(node.nodeId)).toMatchObject({ payout_wei: 0n });
      } else {
        expect(cancel.status).toBe(409);
        expect(cancel.body.error.code).toBe('job_not_cancellable');
        expect(result.status).toBe(200);
        expect(stored).toMatchObject({ status: 'completed', billing_status: 'debited' });
        expect(kinds).toEqual(['debit', 'reserve']);
        expect(await account(customer.customerId)).toMatchObject({ balance_wei: 9_000n, reserved_wei: 0n });
        expect(await store.getEarnings(node.nodeId)).toMatchObject({ payout_wei: 900n });
      }
    }
  });

  it('ends a job exactly once when a cancel races a pull: it is cancelled either way', async () => {
    // Prepare
    const { customer, node, jobId, commandId } = await queuedJob(1_000n, 10_000n);

    // Act
    const [cancelled, pulled] = await Promise.all([cancelJob(customer, jobId), pull(node, 10, 1)]);
    const handedOut = pulled.find((command) => command.command.job_id === jobId);
    const lease =
      handedOut === undefined
        ? undefined
        : await nodeCall(node, 'lease', { lease_id: handedOut.lease_id, lease_seconds: 60 }, { commandId });

    // Assess
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', billing: { status: 'released' } });
    if (lease !== undefined) expect(lease.body).toMatchObject({ status: 'cancelled' });
    expect(await storedJob(customer.customerId, jobId)).toMatchObject({ status: 'cancelled', billing_status: 'released' });
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 10_000n, reserved_wei: 0n });
    expect(await jobRows(customer.customerId, jobId)).toEqual([
      ['release', 1_000n, 10_000n, 0n],
      ['reserve', 1_000n, 10_000n, 1_000n],
    ]);
  });

  it('ends an overdue job exactly once when a cancel races a sweep: cancelled or expired, released once', async () => {
    // Prepare
    const { customer, jobId } = await queuedJob(1_000n, 10_000n);
    await sweepLeftovers();
    await backdate(customer.customerId, jobId, 1_000);

    // Act
    const [cancelled, swept] = await Promise.all([cancelJob(customer, jobId), expireOverdueJobs(plane)]);

    // Assess: the cancel answers the job as it ended, whichever came first (a cancel that finds the
    // job overdue expires it itself); the sweep counts the job only if it expired it.
    const view = (await getJob(customer, jobId)).body;
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual(view);
    expect(['cancelled', 'expired']).toContain(view.status);
    expect(swept.expired).toBeLessThanOrEqual(view.status === 'expired' ? 1 : 0);
    expect(view.billing.status).toBe('released');
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 10_000n, reserved_wei: 0n });
    expect(await jobRows(customer.customerId, jobId)).toEqual([
      ['release', 1_000n, 10_000n, 0n],
      ['reserve', 1_000n, 10_000n, 1_000n],
    ]);
  });
});
