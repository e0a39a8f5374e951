/** Money under concurrency: no request can reserve what another already took, or credit twice. */
import { describe, expect, it } from 'vitest';
import { adminHeaders, callApi } from './support/api.js';
import { submit } from './support/jobs.js';
import { account, buckets, drainQueue, ledger, newCustomer, newNode, queueDepth, sealedJob, storedJob, uniqueId } from './support/world.js';

describe('concurrent job submissions', () => {
  it('accepts exactly 20 of 50 concurrent jobs against a balance that covers 20, spread so that no bucket covers one alone', async () => {
    // Prepare: the credit is spread over every bucket, so each reservation needs a refill first.
    const price = 1_000_000_000_000_000n;
    const customer = await newCustomer(20n * price);
    const node = await newNode({ priceWei: price });
    expect((await buckets(customer.customerId)).every((bucket) => bucket.available_wei > 0n && bucket.available_wei < price)).toBe(true);

    // Act
    const answers = await Promise.all(Array.from({ length: 50 }, () => submit(customer, sealedJob(node, { job_id: uniqueId('job') }))));

    // Assess
    const accepted = answers.filter((answer) => answer.status === 202);
    const refused = answers.filter((answer) => answer.status !== 202);
    console.log('CODES', JSON.stringify(refused.map((answer) => [answer.status, answer.body.error?.code, answer.body.error?.detail])));
    expect(accepted).toHaveLength(20);
    expect(refused.map((answer) => answer.body.error.code)).toEqual(Array(30).fill('insufficient_balance'));
    expect(await account(customer.customerId)).toEqual({ balance_wei: 20n * price, reserved_wei: 20n * price, available_wei: 0n });
    // Nothing negative, and each accepted job's reservation is held in the bucket it names.
    const held = await buckets(customer.customerId);
    expect(held.every((bucket) => bucket.available_wei >= 0n)).toBe(true);
    const jobs = await Promise.all(accepted.map((answer) => storedJob(customer.customerId, answer.body.job_id)));
    for (const bucket of held) {
      const open = jobs.filter((job) => job!.reservation_bucket === bucket.index);
      expect(bucket.reserved_wei).toBe(BigInt(open.length) * price);
    }
    const reservations = (await ledger(customer.customerId)).filter((entry) => entry.kind === 'reserve');
    // In the stated order, reserved after each reservation is k × price, k = 1..20, never more.
    expect(reservations.map((entry) => entry.reserved_after_wei).sort((a, b) => (a < b ? -1 : 1))).toEqual(
      Array.from({ length: 20 }, (_, k) => BigInt(k + 1) * price),
    );
    expect(new Set((await drainQueue(node.nodeId)).map((body) => JSON.parse(body).job_id))).toEqual(
      new Set(accepted.map((answer) => answer.body.job_id)),
    );
  });

  it('reserves once for 20 concurrent identical requests and answers each with the same 202', async () => {
    const customer = await newCustomer(1_000n);
    const node = await newNode({ priceWei: 10n });
    const body = sealedJob(node, { job_id: uniqueId('job') });

    const answers = await Promise.all(Array.from({ length: 20 }, () => submit(customer, body)));

    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(202));
    expect(new Set(answers.map((answer) => JSON.stringify(answer.body))).size).toBe(1);
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 1_000n, reserved_wei: 10n });
    expect((await ledger(customer.customerId)).filter((entry) => entry.kind === 'reserve')).toHaveLength(1);
    expect(await queueDepth(node.nodeId)).toBe(1);
  });
});

describe('concurrent credits', () => {
  const credit = (customerId: string, creditId: string, amount: string) =>
    callApi('POST', '/v1/admin/customers/{customer_id}/credits', {
      params: { customer_id: customerId },
      headers: adminHeaders(),
      json: { credit_id: creditId, amount_wei: amount },
    });

  it('adds every one of 20 concurrent distinct credits', async () => {
    const customer = await newCustomer(0n);

    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => credit(customer.customerId, uniqueId('credit'), String(i + 1))));

    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    expect((await account(customer.customerId)).balance_wei).toBe(210n);
    expect(await ledger(customer.customerId)).toHaveLength(20);
  });

  it('credits once for 10 concurrent repeats of one credit id', async () => {
    const customer = await newCustomer(0n);
    const creditId = uniqueId('credit');

    const answers = await Promise.all(Array.from({ length: 10 }, () => credit(customer.customerId, creditId, '77')));

    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    expect((await account(customer.customerId)).balance_wei).toBe(77n);
    expect(await ledger(customer.customerId)).toHaveLength(1);
  });
});
