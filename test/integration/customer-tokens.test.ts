/**
 * Rotatable customer tokens (contract § v1.1 "Customer tokens"): several named tokens per
 * customer that all work, a listing without secrets, and revocation that every path honours
 * within the 2-second bound, the job path's 1-second submit cache included.
 */
import { createHash } from 'node:crypto';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { keys } from '../../lambdas/adapters/dynamodb/items.js';
import { generateToken } from '../../lambdas/domain/customer-token.js';
import { MAX_ACTIVE_TOKENS } from '../../lambdas/domain/customer-tokens.js';
import { customerJobRoutes } from '../../lambdas/handlers/customer-jobs.js';
import { apiHandler } from '../../lambdas/http/router.js';
import { adminHeaders, callApi, callHandler } from './support/api.js';
import { planeWith } from './support/lifecycle.js';
import { tableName } from './support/table.js';
import { newCustomer, newNode, sealedJob, type TestCustomer, type TestNode, uniqueId } from './support/world.js';

const dynamodb = new DynamoDBClient({});

const createToken = (customerId: string, json: unknown, headers = adminHeaders()) =>
  callApi('POST', '/v1/admin/customers/{customer_id}/tokens', { params: { customer_id: customerId }, headers, json });

const listTokens = (customerId: string, headers = adminHeaders()) =>
  callApi('GET', '/v1/admin/customers/{customer_id}/tokens', { params: { customer_id: customerId }, headers });

const revokeToken = (customerId: string, tokenId: string, headers = adminHeaders()) =>
  callApi('DELETE', '/v1/admin/customers/{customer_id}/tokens/{token_id}', {
    params: { customer_id: customerId, token_id: tokenId },
    headers,
  });

const as = (customerId: string, token: string) => ({ 'X-B3IQ-Customer-ID': customerId, 'X-B3IQ-Customer-Token': token });

const submit = (headers: Record<string, string>, node: TestNode) =>
  callApi('POST', '/v1/private-inference/jobs', { headers, json: sealedJob(node, { job_id: uniqueId('job') }) });

const getAccount = (headers: Record<string, string>) => callApi('GET', '/v1/billing/account', { headers });

/** A new token for the customer: its id and the headers that present it. */
async function addToken(customer: TestCustomer, name: string) {
  const created = await createToken(customer.customerId, { name });
  expect(created.status).toBe(201);
  return {
    tokenId: created.body.token_id as string,
    token: created.body.customer_token as string,
    headers: as(customer.customerId, created.body.customer_token),
  };
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('customer tokens', () => {
  it('makes named tokens shown once; every unrevoked token works on every customer path; the listing shows no secret', async () => {
    // Prepare
    const customer = await newCustomer();
    const node = await newNode();

    // Act
    const created = await createToken(customer.customerId, { name: 'laptop' });
    const ci = await addToken(customer, 'ci runner ✓');
    const listed = await listTokens(customer.customerId);

    // Assess: the answer shows the token once, in the contract's shape.
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      token_id: expect.stringMatching(/^tok-[0-9a-f-]{36}$/),
      name: 'laptop',
      customer_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      created_at: expect.stringMatching(/Z$/),
    });
    const laptop = as(customer.customerId, created.body.customer_token);
    for (const headers of [customer.headers, laptop, ci.headers]) {
      expect((await submit(headers, node)).status).toBe(202);
      expect((await getAccount(headers)).status).toBe(200);
      const job = await submit(headers, node);
      expect((await callApi('GET', '/v1/private-inference/jobs/{job_id}', { headers, params: { job_id: job.body.job_id } })).status).toBe(
        200,
      );
    }
    expect(listed.status).toBe(200);
    expect(listed.body.tokens).toEqual([
      { token_id: expect.stringMatching(/^tok-/), name: 'initial', created_at: expect.any(String), last_used_at: null, revoked_at: null },
      { token_id: created.body.token_id, name: 'laptop', created_at: created.body.created_at, last_used_at: null, revoked_at: null },
      { token_id: ci.tokenId, name: 'ci runner ✓', created_at: expect.any(String), last_used_at: null, revoked_at: null },
    ]);
    const text = JSON.stringify((await listTokens(customer.customerId)).body);
    for (const token of [customer.token, created.body.customer_token, ci.token]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(sha256(token));
    }
  });

  it('refuses a revoked token with the 401 of a wrong token: at once on reads, within 2 s on job submission; the others keep working', async () => {
    // Prepare: the token to revoke has just submitted a job, so the job path's submit cache holds the customer.
    const customer = await newCustomer();
    const node = await newNode();
    const old = await addToken(customer, 'old');
    const fresh = await addToken(customer, 'new');
    expect((await submit(old.headers, node)).status).toBe(202);
    const wrong = await getAccount(as(customer.customerId, generateToken()));

    // Act
    const revoked = await revokeToken(customer.customerId, old.tokenId);
    const answeredAt = Date.now();
    const readAfter = await getAccount(old.headers);
    let submitted = await submit(old.headers, node);
    for (let tries = 0; submitted.status === 202 && tries < 100; tries += 1) submitted = await submit(old.headers, node);
    const refusedAt = Date.now();

    // Assess
    expect(revoked.status).toBe(200);
    // (`last_used_at` may or may not be recorded yet: the use is written after the answer.)
    expect(Object.keys(revoked.body)).toEqual(['token_id', 'name', 'created_at', 'last_used_at', 'revoked_at']);
    expect(revoked.body).toMatchObject({ token_id: old.tokenId, name: 'old', revoked_at: expect.stringMatching(/Z$/) });
    expect(wrong.status).toBe(401);
    expect(readAfter.status).toBe(401);
    expect(readAfter.body).toEqual(wrong.body);
    expect(submitted.status).toBe(401);
    expect(submitted.body).toEqual(wrong.body);
    expect(refusedAt - answeredAt).toBeLessThanOrEqual(2_000);
    for (const headers of [customer.headers, fresh.headers]) {
      expect((await submit(headers, node)).status).toBe(202);
      expect((await getAccount(headers)).status).toBe(200);
    }
    const listed = await listTokens(customer.customerId);
    expect(listed.body.tokens.find((token: { token_id: string }) => token.token_id === old.tokenId)).toEqual(revoked.body);
    expect(listed.body.tokens.filter((token: { revoked_at: string | null }) => token.revoked_at !== null)).toHaveLength(1);
  });

  it('keeps serving a revoked token on the job path only from a submit cache entry read less than 1 s before', async () => {
    // Submit served by the same code on a control plane whose clock reads `ms` (its submit cache follows that clock).
    const submitAt = (ms: number, headers: Record<string, string>, node: TestNode) => {
      const { 'POST /v1/private-inference/jobs': route } = customerJobRoutes(planeWith({ now: () => new Date(ms) }));
      return callHandler(apiHandler({ 'POST /v1/private-inference/jobs': route }), 'POST', '/v1/private-inference/jobs', {
        headers,
        json: sealedJob(node, { job_id: uniqueId('job') }),
      });
    };
    // Prepare: the customer is read and kept at t0; then the token is revoked.
    const customer = await newCustomer();
    const node = await newNode();
    const old = await addToken(customer, 'old');
    const t0 = Date.now();
    expect((await submitAt(t0, old.headers, node)).status).toBe(202);
    expect((await revokeToken(customer.customerId, old.tokenId)).status).toBe(200);

    // Act: 1 ms before the cache's bound, and at it.
    const within = await submitAt(t0 + 999, old.headers, node);
    const after = await submitAt(t0 + 1000, old.headers, node);

    // Assess: the entry read before the revocation served it until the bound; then the customer was read again.
    expect(within.status).toBe(202);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthorized');
    expect((await submitAt(t0 + 1000, customer.headers, node)).status).toBe(202);
  });

  it('answers a second revocation as the first, and changes nothing more', async () => {
    const customer = await newCustomer(0n);
    const old = await addToken(customer, 'old');

    const first = await revokeToken(customer.customerId, old.tokenId);
    const listedAfterFirst = await listTokens(customer.customerId);
    const second = await revokeToken(customer.customerId, old.tokenId);

    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect((await listTokens(customer.customerId)).body).toEqual(listedAfterFirst.body);
  });

  it('answers 404 token_not_found or customer_not_found, 400 for a bad name and 401 without the admin token, changing nothing', async () => {
    // Prepare
    const customer = await newCustomer(0n);
    await addToken(customer, 'kept');
    const before = (await listTokens(customer.customerId)).body;
    const unknownCustomer = uniqueId('cus');
    const badAdmin = { 'X-B3IQ-Admin-Token': 'not-the-admin-token' };

    // Act
    const answers = {
      unknownToken: await revokeToken(customer.customerId, 'tok-00000000-0000-0000-0000-000000000000'),
      malformedToken: await revokeToken(customer.customerId, '%bad id%'),
      anotherCustomersToken: await revokeToken(
        customer.customerId,
        (await listTokens((await newCustomer(0n)).customerId)).body.tokens[0].token_id,
      ),
      createForUnknown: await createToken(unknownCustomer, { name: 'x' }),
      listUnknown: await listTokens(unknownCustomer),
      revokeForUnknown: await revokeToken(unknownCustomer, before.tokens[0].token_id),
      emptyName: await createToken(customer.customerId, { name: '' }),
      blankName: await createToken(customer.customerId, { name: '   ' }),
      controlName: await createToken(customer.customerId, { name: 'line\nbreak' }),
      longName: await createToken(customer.customerId, { name: 'x'.repeat(65) }),
      noName: await createToken(customer.customerId, {}),
      extraField: await createToken(customer.customerId, { name: 'ok', customer_token: 'chosen' }),
      createUnauthorized: await createToken(customer.customerId, { name: 'ok' }, badAdmin),
      listUnauthorized: await listTokens(customer.customerId, badAdmin),
      revokeUnauthorized: await revokeToken(customer.customerId, before.tokens[0].token_id, badAdmin),
    };

    // Assess
    const codes = Object.fromEntries(
      Object.entries(answers).map(([name, answer]) => [name, `${answer.status} ${answer.body.error?.code}`]),
    );
    expect(codes).toEqual({
      unknownToken: '404 token_not_found',
      malformedToken: '404 token_not_found',
      anotherCustomersToken: '404 token_not_found',
      createForUnknown: '404 customer_not_found',
      listUnknown: '404 customer_not_found',
      revokeForUnknown: '404 customer_not_found',
      emptyName: '400 invalid_request',
      blankName: '400 invalid_request',
      controlName: '400 invalid_request',
      longName: '400 invalid_request',
      noName: '400 invalid_request',
      extraField: '400 invalid_request',
      createUnauthorized: '401 unauthorized',
      listUnauthorized: '401 unauthorized',
      revokeUnauthorized: '401 unauthorized',
    });
    expect((await listTokens(customer.customerId)).body).toEqual(before);
  });

  it(`holds at most ${MAX_ACTIVE_TOKENS} unrevoked tokens per customer; revoking one makes room`, async () => {
    // Prepare: the first token and MAX - 1 more.
    const customer = await newCustomer(0n);
    for (let index = 1; index < MAX_ACTIVE_TOKENS; index += 1) await addToken(customer, `token ${index}`);
    const full = (await listTokens(customer.customerId)).body;

    // Act
    const refused = await createToken(customer.customerId, { name: 'one too many' });
    const revoked = await revokeToken(customer.customerId, full.tokens[1].token_id);
    const accepted = await createToken(customer.customerId, { name: 'in its place' });

    // Assess
    expect(full.tokens).toHaveLength(MAX_ACTIVE_TOKENS);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_request');
    expect(refused.body.error.detail).toContain(`at most ${MAX_ACTIVE_TOKENS} unrevoked tokens`);
    expect(revoked.status).toBe(200);
    expect(accepted.status).toBe(201);
  });

  it('records last_used_at of a token that submitted a job', async () => {
    const customer = await newCustomer();
    const node = await newNode();
    const used = await addToken(customer, 'used');
    const before = Date.now();

    expect((await submit(used.headers, node)).status).toBe(202);
    // The use is written after the answer, not awaited by the request: look until it is there.
    let entry: { last_used_at: string | null } | undefined;
    for (let tries = 0; tries < 50 && !entry?.last_used_at; tries += 1) {
      const listed = await listTokens(customer.customerId);
      entry = listed.body.tokens.find((token: { token_id: string }) => token.token_id === used.tokenId);
    }

    expect(entry?.last_used_at).toEqual(expect.stringMatching(/Z$/));
    expect(Date.parse(entry!.last_used_at!)).toBeGreaterThanOrEqual(before - 1);
  });
});

describe('a customer stored before tokens had ids (one bare token_hash)', () => {
  /** The account item exactly as the previous release wrote it. */
  async function legacyCustomer(): Promise<TestCustomer> {
    const customerId = uniqueId('cus');
    const token = generateToken();
    await dynamodb.send(
      new PutItemCommand({
        TableName: tableName(),
        Item: {
          ...keys.account(customerId),
          entity: { S: 'account' },
          customer_id: { S: customerId },
          token_hash: { S: sha256(token) },
          credit_sequence: { N: '0' },
          created_at: { S: '2026-01-02T03:04:05.000Z' },
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { customerId, token, headers: as(customerId, token) };
  }

  it('keeps its token working as tok-initial, which can be listed, joined by new tokens and revoked', async () => {
    // Prepare
    const customer = await legacyCustomer();

    // Act and assess, step by step: the old token works and is listed as one token.
    expect((await getAccount(customer.headers)).status).toBe(200);
    const initial = {
      token_id: 'tok-initial',
      name: 'initial',
      created_at: '2026-01-02T03:04:05.000Z',
      last_used_at: null,
      revoked_at: null,
    };
    expect((await listTokens(customer.customerId)).body).toEqual({ tokens: [initial] });

    // A new token joins it; both work.
    const added = await addToken(customer, 'rotated');
    expect((await getAccount(customer.headers)).status).toBe(200);
    expect((await getAccount(added.headers)).status).toBe(200);
    expect((await listTokens(customer.customerId)).body.tokens.map((token: { token_id: string }) => token.token_id)).toEqual([
      'tok-initial',
      added.tokenId,
    ]);

    // Revoking the old token refuses it and leaves the new one.
    const revoked = await revokeToken(customer.customerId, 'tok-initial');
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ ...initial, revoked_at: expect.stringMatching(/Z$/) });
    expect((await getAccount(customer.headers)).status).toBe(401);
    expect((await getAccount(added.headers)).status).toBe(200);
  });
});
