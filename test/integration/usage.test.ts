/** `GET /v1/billing/usage?window_days=&limit=`: its query's bounds, and how `limit` pages the entries. */
import { describe, expect, it } from 'vitest';
import { adminHeaders, callApi } from './support/api.js';
import { newCustomer, type TestCustomer, uniqueId } from './support/world.js';

function usage(customer: TestCustomer, query?: Record<string, string>) {
  return callApi('GET', '/v1/billing/usage', { headers: customer.headers, ...(query === undefined ? {} : { query }) });
}

async function credit(customer: TestCustomer, amountWei: bigint): Promise<void> {
  const answer = await callApi('POST', '/v1/admin/customers/{customer_id}/credits', {
    params: { customer_id: customer.customerId },
    headers: adminHeaders(),
    json: { credit_id: uniqueId('credit'), amount_wei: amountWei.toString() },
  });
  expect(answer.status).toBe(200);
}

describe('GET /v1/billing/usage, query validation', () => {
  it.each([
    ...['window_days', 'limit'].flatMap((name) => [
      { name, value: '0', case: 'zero' },
      { name, value: '-1', case: 'negative' },
      { name, value: '1.5', case: 'a fraction' },
      { name, value: '1e2', case: 'an exponent' },
      { name, value: 'abc', case: 'not a number' },
      { name, value: '', case: 'empty' },
      { name, value: ' 5', case: 'a leading space' },
      { name, value: '0x10', case: 'hexadecimal' },
      { name, value: '1000000', case: 'seven digits' },
    ]),
    { name: 'window_days', value: '367', case: 'one past the maximum' },
    { name: 'limit', value: '1001', case: 'one past the maximum' },
  ])('answers 400 invalid_request naming $name for $case ("$value")', async ({ name, value }) => {
    // Prepare
    const customer = await newCustomer(1_000n);

    // Act
    const answer = await usage(customer, { [name]: value });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(answer.body.error.detail).toContain(name);
  });

  it.each([
    { name: 'window_days', value: '1', case: 'the smallest window' },
    { name: 'window_days', value: '366', case: 'the largest window' },
    { name: 'limit', value: '1', case: 'the smallest limit' },
    { name: 'limit', value: '1000', case: 'the largest limit' },
    { name: 'limit', value: '007', case: 'leading zeros' },
  ])('accepts $case ($name=$value)', async ({ name, value }) => {
    // Prepare
    const customer = await newCustomer(1_000n);

    // Act
    const answer = await usage(customer, { [name]: value });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'ok', customer_id: customer.customerId });
  });

  it('checks the credentials before the query (order)', async () => {
    // Prepare
    const customer = await newCustomer(0n);

    // Act
    const answer = await callApi('GET', '/v1/billing/usage', {
      headers: { ...customer.headers, 'X-B3IQ-Customer-Token': 'wrong' },
      query: { limit: 'abc' },
    });

    // Assess
    expect(answer.status).toBe(401);
  });
});

describe('GET /v1/billing/usage, paging', () => {
  it('answers at most `limit` entries, newest first, while the totals count every row of the window', async () => {
    // Prepare: five credits of different amounts.
    const customer = await newCustomer(0n);
    for (const amount of [1n, 2n, 4n, 8n, 16n]) await credit(customer, amount);

    // Act
    const all = await usage(customer);
    const two = await usage(customer, { limit: '2' });
    const one = await usage(customer, { limit: '1', window_days: '1' });

    // Assess: the full answer, newest first.
    expect(all.status).toBe(200);
    expect(all.body.totals).toEqual([{ kind: 'credit', count: 5, amount_wei: '31' }]);
    expect(all.body.entries).toHaveLength(5);
    const createdAt = all.body.entries.map((entry: { created_at: string }) => entry.created_at);
    expect(createdAt).toEqual([...createdAt].sort().reverse());
    for (const entry of all.body.entries) expect(entry).toMatchObject({ kind: 'credit', private_job_id: null, receipt_hash: null });
    expect(all.body.entries.map((entry: { balance_after_wei: string }) => entry.balance_after_wei).sort()).toEqual([
      '1',
      '15',
      '3',
      '31',
      '7',
    ]);
    // Assess: a limit keeps the newest entries and the same totals.
    expect(two.body.entries).toEqual(all.body.entries.slice(0, 2));
    expect(two.body.totals).toEqual(all.body.totals);
    expect(one.body.entries).toEqual(all.body.entries.slice(0, 1));
    expect(one.body.totals).toEqual(all.body.totals);
  });

  it('answers an empty usage for a customer with no ledger rows', async () => {
    // Prepare
    const customer = await newCustomer(0n);

    // Act
    const answer = await usage(customer, { limit: '5' });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'ok', customer_id: customer.customerId, totals: [], entries: [] });
  });
});
