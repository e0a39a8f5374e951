/**
 * `GET /v1/billing/usage?window_days=&limit=`: its query's bounds, how `limit` pages the entries,
 * and the running totals computed from the newest ledger checkpoint.
 */

import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { UsageView } from '@b3iq/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ledgerPosition } from '../../lambdas/domain/ledger-totals.js';
import { creditCustomer } from '../../lambdas/services/admin.js';
import type { ControlPlane } from '../../lambdas/services/control-plane.js';
import { getUsage } from '../../lambdas/services/customer-reads.js';
import type { ControlPlaneStore } from '../../lambdas/services/ports/store.js';
import { adminHeaders, callApi } from './support/api.js';
import { submit } from './support/jobs.js';
import { cancelJob, plane, planeWith } from './support/lifecycle.js';
import { ledger, newCustomer, newNode, sealedJob, store, type TestCustomer, uniqueId } from './support/world.js';

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
  afterEach(() => {
    vi.restoreAllMocks();
  });

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

  it('totals every row of a window that takes several Query pages, and shows the newest `limit` across pages', async () => {
    // Prepare: five credits; then every ledger Query answers at most 2 items a page. A stub, since the
    // emulator cuts a page only at 1 MB: it lowers the Query's Limit, and the emulator pages as DynamoDB does.
    const customer = await newCustomer(0n);
    for (const amount of [1n, 2n, 4n, 8n, 16n]) await credit(customer, amount);
    const send = DynamoDBClient.prototype.send as (command: unknown, ...rest: unknown[]) => Promise<unknown>;
    vi.spyOn(DynamoDBClient.prototype, 'send').mockImplementation(function (this: DynamoDBClient, command: unknown, ...rest: unknown[]) {
      if (command instanceof QueryCommand) command.input.Limit = Math.min(command.input.Limit ?? 2, 2);
      return send.call(this, command, ...rest);
    });

    // Act
    const answer = await usage(customer, { limit: '3' });

    // Assess: every row counts; the three newest entries, each with its exact running totals.
    expect(answer.status).toBe(200);
    expect(answer.body.totals).toEqual([{ kind: 'credit', count: 5, amount_wei: '31' }]);
    expect(answer.body.entries.map((entry: { balance_after_wei: string }) => entry.balance_after_wei)).toEqual(['31', '15', '7']);
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

describe('GET /v1/billing/usage, running totals from checkpoints', () => {
  /** A control plane whose clock stands `daysAgo` days back (ms apart per call), optionally without checkpoint writes. */
  function pastPlane(daysAgo: number, options: { checkpoints: boolean }) {
    let tick = 0;
    const start = Date.now() - daysAgo * 86_400_000;
    const store: ControlPlaneStore = options.checkpoints ? plane.store : { ...bound(plane.store), putCheckpoint: async () => {} };
    return planeWith({ now: () => new Date(start + tick++), store });
  }

  /** Every method of the store, bound to it (the support store is a proxy). */
  const bound = (target: ControlPlaneStore): ControlPlaneStore =>
    new Proxy(target, {
      get: (object, property) => {
        const value = Reflect.get(object, property, object);
        return typeof value === 'function' ? value.bind(object) : value;
      },
    });

  /** Credits of 1, 2, … `count` wei through the admin service, on `at`'s clock. */
  async function oldCredits(customer: TestCustomer, count: number, at: ControlPlane): Promise<void> {
    for (let amount = 1; amount <= count; amount++) {
      await creditCustomer(at, {
        token: adminHeaders()['X-B3IQ-Admin-Token'],
        customerId: customer.customerId,
        readBody: () => ({ credit_id: uniqueId('credit'), amount_wei: String(amount) }),
      });
    }
  }

  /** The usage read through a store that records which ledger ranges it read, and how many entries each. */
  async function readUsage(customer: TestCustomer) {
    const ranges: { after: string | undefined; entries: number }[] = [];
    const base = bound(plane.store);
    const counting: ControlPlaneStore = {
      ...base,
      ledgerBetween: async (customerId, range) => {
        const entries = await base.ledgerBetween(customerId, range);
        ranges.push({ after: range.after, entries: entries.length });
        return entries;
      },
    };
    const view = await getUsage(
      planeWith({ store: counting }),
      { customerId: customer.customerId, token: customer.token },
      {
        window_days: '1',
        limit: '1000',
      },
    );
    return { view, ranges };
  }

  /** The window's entries as the usage read shows them, against the totals recomputed from the customer's first entry. */
  async function expectExactTotals(customer: TestCustomer, shown: UsageView['entries']): Promise<void> {
    const recomputed = new Map((await ledger(customer.customerId)).map((row) => [row.entry_id, row]));
    expect(shown.length).toBeGreaterThan(0);
    for (const entry of shown) {
      const row = recomputed.get(entry.entry_id)!;
      expect([entry.balance_after_wei, entry.reserved_after_wei]).toEqual([String(row.balance_after_wei), String(row.reserved_after_wei)]);
    }
  }

  it('writes a checkpoint over the settled history on a read, and starts the next read from it, exactly', async () => {
    // Prepare: 104 credits three days ago (no checkpoint yet), then jobs today.
    const customer = await newCustomer(0n);
    await oldCredits(customer, 104, pastPlane(3, { checkpoints: false }));
    expect(await store.latestCheckpoint(customer.customerId)).toBeUndefined();
    const node = await newNode({ priceWei: 1_000n });
    const jobs = [];
    for (let i = 0; i < 4; i++) {
      const answer = await submit(customer, sealedJob(node));
      expect(answer.status).toBe(202);
      jobs.push(answer.body.job_id as string);
    }
    expect((await cancelJob(customer, jobs[1]!)).status).toBe(200);

    // Act: the first read starts from the first entry; the second from the checkpoint the first wrote.
    const first = await readUsage(customer);
    const checkpoint = await store.latestCheckpoint(customer.customerId);
    const second = await readUsage(customer);

    // Assess
    const history = (await ledger(customer.customerId)).toReversed();
    expect(first.ranges).toEqual([{ after: undefined, entries: 104 }]);
    expect(checkpoint).toEqual({
      customer_id: customer.customerId,
      position: ledgerPosition(history[103]!),
      balance_wei: (104n * 105n) / 2n,
      reserved_wei: 0n,
    });
    expect(second.ranges).toEqual([{ after: checkpoint!.position, entries: 0 }]);
    expect(second.view.entries).toHaveLength(5);
    expect(second.view.entries[0]).toMatchObject({ kind: 'release', balance_after_wei: '5460', reserved_after_wei: '3000' });
    await expectExactTotals(customer, second.view.entries);
    expect(second.view).toEqual({ ...first.view, generated_at: second.view.generated_at });
  }, 120_000);

  it('moves the checkpoint forward on a credit once 100 settled entries follow the last one', async () => {
    // Prepare: 100 credits three days ago, none of which wrote a checkpoint.
    const customer = await newCustomer(0n);
    await oldCredits(customer, 100, pastPlane(3, { checkpoints: false }));
    const before = await store.latestCheckpoint(customer.customerId);

    // Act: a credit now.
    await credit(customer, 5n);

    // Assess: a checkpoint at the newest settled entry (not at the fresh credit).
    expect(before).toBeUndefined();
    const history = (await ledger(customer.customerId)).toReversed();
    expect(history).toHaveLength(101);
    expect(await store.latestCheckpoint(customer.customerId)).toEqual({
      customer_id: customer.customerId,
      position: ledgerPosition(history[99]!),
      balance_wei: (100n * 101n) / 2n,
      reserved_wei: 0n,
    });
  }, 120_000);
});
