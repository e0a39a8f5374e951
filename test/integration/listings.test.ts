/**
 * `GET /v1/private-inference/jobs` and `GET /v1/private-inference/nodes`: the caller's own jobs newest
 * first and the active nodes, page after page through an opaque cursor, each page one query on an index.
 *
 * The file works on a table of its own, so the active nodes listed are exactly the ones it enrolls and
 * its assertions can be exact.
 */
import { describe, expect, it } from 'vitest';
import { callApi } from './support/api.js';
import { pull } from './support/node-calls.js';
import { useOwnTable } from './support/table.js';
import { enrollNode, newCustomer, newNode, sealedJob, type TestCustomer, type TestNode, uniqueId } from './support/world.js';

useOwnTable();

const JOBS = '/v1/private-inference/jobs';
const NODES = '/v1/private-inference/nodes';

async function submit(customer: TestCustomer, node: TestNode): Promise<{ job_id: string; created_at: string }> {
  const accepted = await callApi('POST', JOBS, { headers: customer.headers, json: sealedJob(node, { job_id: uniqueId('job') }) });
  expect(accepted.status).toBe(202);
  return accepted.body;
}

/** Newest first, as the listing orders them: by created_at, then job id. */
const newestFirst = (jobs: { job_id: string; created_at: string }[]) =>
  [...jobs].sort((a, b) => (`${a.created_at}#${a.job_id}` < `${b.created_at}#${b.job_id}` ? 1 : -1)).map((job) => job.job_id);

/** Every page of a listing, `between` running after each page but the last. */
async function walk(
  customer: TestCustomer,
  path: string,
  query: Record<string, string>,
  between: () => Promise<void> = async () => {},
): Promise<{ pages: Record<string, unknown>[][]; items: Record<string, unknown>[] }> {
  const pages: Record<string, unknown>[][] = [];
  let cursor: string | null = null;
  do {
    const answer = await callApi('GET', path, { headers: customer.headers, query: { ...query, ...(cursor === null ? {} : { cursor }) } });
    expect(answer.status).toBe(200);
    pages.push(answer.body.jobs ?? answer.body.nodes);
    cursor = answer.body.next_cursor;
    if (cursor !== null) await between();
  } while (cursor !== null && pages.length < 50);
  return { pages, items: pages.flat() };
}

describe('GET /v1/private-inference/jobs', () => {
  it('walks every job that existed at the start exactly once, newest first, while new jobs arrive between pages', async () => {
    // Prepare
    const [customer, other] = await Promise.all([newCustomer(), newCustomer()]);
    const node = await newNode({ priceWei: 10n });
    const existing = [];
    for (let i = 0; i < 7; i += 1) existing.push(await submit(customer, node));
    await submit(other, node);
    const added: string[] = [];

    // Act
    const { pages, items } = await walk(customer, JOBS, { limit: '3' }, async () => {
      added.push((await submit(customer, node)).job_id);
    });

    // Assess
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(items.map((job) => job.job_id)).toEqual(newestFirst(existing));
    expect(added).toHaveLength(2);
    expect(items[0]).toEqual({
      job_id: items[0]?.job_id,
      node_id: node.nodeId,
      model_id: node.modelId,
      status: 'queued',
      receipt_hash: null,
      billing: expect.objectContaining({ customer_id: customer.customerId, status: 'reserved' }),
      created_at: expect.any(String),
      claim_deadline: expect.any(String),
      completion_deadline: expect.any(String),
      completed_at: null,
    });
    // A fresh walk now sees the added jobs too, first; another customer's job is in neither.
    const fresh = await walk(customer, JOBS, { limit: '100' });
    expect(fresh.items.map((job) => job.job_id)).toEqual([...added.reverse(), ...newestFirst(existing)]);
  });

  it('lists only jobs with the status asked for', async () => {
    // Prepare
    const customer = await newCustomer();
    const node = await newNode({ priceWei: 10n });
    const jobs = [];
    for (let i = 0; i < 5; i += 1) jobs.push(await submit(customer, node));
    const cancelled = [jobs[1], jobs[3]].map((job) => job?.job_id as string);
    for (const jobId of cancelled) {
      const answer = await callApi('POST', `${JOBS}/{job_id}/cancel`, { headers: customer.headers, params: { job_id: jobId }, json: {} });
      expect(answer.status).toBe(200);
    }

    // Act
    const onlyCancelled = await walk(customer, JOBS, { status: 'cancelled', limit: '2' });
    const onlyQueued = await walk(customer, JOBS, { status: 'queued' });
    const completed = await walk(customer, JOBS, { status: 'completed' });

    // Assess
    expect(onlyCancelled.items.map((job) => job.job_id)).toEqual(newestFirst(jobs.filter((job) => cancelled.includes(job.job_id))));
    expect(onlyCancelled.items.every((job) => job.status === 'cancelled')).toBe(true);
    expect(onlyQueued.items.map((job) => job.job_id)).toEqual(newestFirst(jobs.filter((job) => !cancelled.includes(job.job_id))));
    expect(completed.items).toEqual([]);
  });

  it('answers 400 invalid_request to a cursor that does not parse, or was made for another customer or filter, and changes nothing', async () => {
    // Prepare
    const [customer, other] = await Promise.all([newCustomer(), newCustomer()]);
    const node = await newNode({ priceWei: 10n });
    for (let i = 0; i < 3; i += 1) await submit(customer, node);
    await submit(other, node);
    const first = await callApi('GET', JOBS, { headers: customer.headers, query: { limit: '1' } });
    const cursor = first.body.next_cursor as string;
    const before = await walk(customer, JOBS, {});

    // Act
    const cases: { who: TestCustomer; query: Record<string, string> }[] = [
      { who: customer, query: { cursor: 'not-a-cursor!' } },
      { who: customer, query: { cursor: `${cursor}x` } },
      { who: customer, query: { cursor, status: 'queued' } },
      { who: other, query: { cursor } },
      { who: customer, query: { limit: '0' } },
      { who: customer, query: { limit: '101' } },
      { who: customer, query: { status: 'lost' } },
    ];
    const refusals = await Promise.all(cases.map(({ who, query }) => callApi('GET', JOBS, { headers: who.headers, query })));

    // Assess
    expect(cursor).toEqual(expect.any(String));
    for (const answer of refusals) {
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('invalid_request');
    }
    expect((await walk(customer, JOBS, {})).items).toEqual(before.items);
    const second = await callApi('GET', JOBS, { headers: customer.headers, query: { limit: '1', cursor } });
    expect(second.status).toBe(200);
    expect(second.body.jobs[0].job_id).toBe(before.items[1]?.job_id);
  });

  it('answers 401 without valid credentials', async () => {
    const answer = await callApi('GET', JOBS, { headers: { 'X-B3IQ-Customer-ID': uniqueId('cus'), 'X-B3IQ-Customer-Token': 'x' } });

    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('unauthorized');
  });
});

describe('GET /v1/private-inference/nodes', () => {
  it('lists the active nodes only, filters by model, and shows last_seen_at once a node called', async () => {
    // Prepare
    const customer = await newCustomer();
    const [a, b, off] = await Promise.all([newNode({ priceWei: 7n }), newNode(), newNode({ status: 'disabled' })]);
    const special = { ...b, modelId: uniqueId('model') };
    expect((await enrollNode(special, 'active')).status).toBe(200);

    // Act
    const all = await walk(customer, NODES, { limit: '1' });
    const bySpecialModel = await walk(customer, NODES, { model_id: special.modelId });
    const beforeCall = await callApi('GET', `${NODES}/{node_id}`, { headers: customer.headers, params: { node_id: a.nodeId } });
    await pull(a, 1, 0);
    const afterCall = await walk(customer, NODES, {});
    const viewAfterCall = await callApi('GET', `${NODES}/{node_id}`, { headers: customer.headers, params: { node_id: a.nodeId } });
    await enrollNode(a, 'disabled');
    const afterDisabling = await walk(customer, NODES, {});

    // Assess: the file's other tests enrolled nodes too, so only these three are looked at.
    const mine = (items: Record<string, unknown>[]) =>
      items.filter((node) => [a.nodeId, b.nodeId, off.nodeId].includes(node.node_id as string));
    const ids = all.items.map((node) => node.node_id as string);
    expect(all.pages.every((page) => page.length === 1)).toBe(true);
    expect(ids).toEqual([...new Set(ids)].sort());
    expect(mine(all.items)).toEqual(
      [
        { node_id: a.nodeId, status: 'active', models: [{ model_id: a.modelId, price_wei: '7' }], last_seen_at: null },
        {
          node_id: b.nodeId,
          status: 'active',
          models: [{ model_id: special.modelId, price_wei: b.priceWei.toString() }],
          last_seen_at: null,
        },
      ].sort((x, y) => (x.node_id < y.node_id ? -1 : 1)),
    );
    expect(all.items.map((node) => node.node_id)).not.toContain(off.nodeId);
    expect(bySpecialModel.items.map((node) => node.node_id)).toEqual([b.nodeId]);
    expect(beforeCall.body.last_seen_at).toBeNull();
    const seen = afterCall.items.find((node) => node.node_id === a.nodeId)?.last_seen_at;
    expect(seen).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
    expect(viewAfterCall.body.last_seen_at).toBe(seen);
    expect(afterCall.items.find((node) => node.node_id === b.nodeId)?.last_seen_at).toBeNull();
    expect(mine(afterDisabling.items).map((node) => node.node_id)).toEqual([b.nodeId]);
  });

  it('refuses a nodes cursor made for another model filter (400 invalid_request)', async () => {
    const customer = await newCustomer();
    await Promise.all([newNode(), newNode()]);
    const first = await callApi('GET', NODES, { headers: customer.headers, query: { limit: '1' } });

    const answer = await callApi('GET', NODES, {
      headers: customer.headers,
      query: { cursor: first.body.next_cursor, model_id: 'other-model' },
    });

    expect(first.body.next_cursor).toEqual(expect.any(String));
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_request');
  });
});
