/**
 * Every refusal of `POST /v1/private-inference/jobs` answers the contract's problem and changes
 * nothing: the balance, the ledger, the job table and the node's queue are as they were.
 */
import { randomBytes } from 'node:crypto';
import { encodeBase64url } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';
import { CustomerRateLimiter } from '../../lambdas/domain/rate-limit.js';
import { controlPlaneFromEnv } from '../../lambdas/handlers/control-plane-from-env.js';
import { customerJobRoutes } from '../../lambdas/handlers/customer-jobs.js';
import { apiHandler } from '../../lambdas/http/router.js';
import { type ApiCall, callApi } from './support/api.js';
import { footprint, newCustomer, newNode, sealedJob, storedJob, type TestCustomer, type TestNode, uniqueId } from './support/world.js';

interface World {
  customer: TestCustomer;
  other: TestCustomer;
  node: TestNode;
  disabled: TestNode;
  jobId: string;
}

type Case = { case: string; status: number; code: string; call: (world: World) => ApiCall };

const json = (world: World, body: unknown): ApiCall => ({ headers: world.customer.headers, json: body });
const job = (world: World, extra: Parameters<typeof sealedJob>[1] = {}) => sealedJob(world.node, { job_id: world.jobId, ...extra });
const withEnvelope = (world: World, change: Record<string, unknown>) => {
  const body = job(world);
  return json(world, { ...body, encrypted_request: { ...body.encrypted_request, ...change } });
};
const bytes = (length: number) => encodeBase64url(randomBytes(length));

const CASES: Case[] = [
  { case: 'no credentials', status: 401, code: 'unauthorized', call: (w) => ({ json: job(w) }) },
  {
    case: 'a wrong token',
    status: 401,
    code: 'unauthorized',
    call: (w) => ({ headers: { ...w.customer.headers, 'X-B3IQ-Customer-Token': w.other.token }, json: job(w) }),
  },
  {
    case: 'an unknown customer',
    status: 401,
    code: 'unauthorized',
    call: (w) => ({ headers: { ...w.customer.headers, 'X-B3IQ-Customer-ID': uniqueId('nobody') }, json: job(w) }),
  },
  {
    case: 'a wrong token and a bad body (credentials come first)',
    status: 401,
    code: 'unauthorized',
    call: (w) => ({ headers: { ...w.customer.headers, 'X-B3IQ-Customer-Token': 'x' }, body: 'not json' }),
  },
  {
    case: 'text/plain',
    status: 415,
    code: 'unsupported_media_type',
    call: (w) => ({ headers: { ...w.customer.headers, 'Content-Type': 'text/plain' }, body: JSON.stringify(job(w)) }),
  },
  {
    case: 'no Content-Type and a body over 1 MiB (media type comes first)',
    status: 415,
    code: 'unsupported_media_type',
    call: (w) => ({ headers: w.customer.headers, body: 'x'.repeat(1024 * 1024 + 1) }),
  },
  {
    case: 'a body over 1 MiB',
    status: 413,
    code: 'payload_too_large',
    call: (w) => json(w, { ...job(w), padding: 'x'.repeat(1024 * 1024) }),
  },
  {
    case: 'a ciphertext over 512 KiB',
    status: 413,
    code: 'payload_too_large',
    call: (w) => withEnvelope(w, { ciphertext: bytes(512 * 1024 + 1), aad_hash: undefined }),
  },
  {
    case: 'a body that is not JSON',
    status: 400,
    code: 'invalid_request',
    call: (w) => ({ headers: { ...w.customer.headers, 'Content-Type': 'application/json' }, body: '{"node_id":' }),
  },
  {
    case: 'an empty body',
    status: 400,
    code: 'invalid_request',
    call: (w) => ({ headers: { ...w.customer.headers, 'Content-Type': 'application/json' }, body: '' }),
  },
  { case: 'a JSON array', status: 400, code: 'invalid_request', call: (w) => json(w, [job(w)]) },
  { case: 'an unknown top-level field', status: 400, code: 'invalid_request', call: (w) => json(w, { ...job(w), prompt: 'hi' }) },
  {
    case: 'no encrypted_request',
    status: 400,
    code: 'invalid_request',
    call: (w) => json(w, { node_id: w.node.nodeId, model_id: w.node.modelId }),
  },
  { case: 'a malformed job_id', status: 400, code: 'invalid_request', call: (w) => json(w, { ...job(w), job_id: 'job 1' }) },
  {
    case: 'a max_price_wei with a leading zero',
    status: 400,
    code: 'invalid_request',
    call: (w) => json(w, job(w, { max_price_wei: '01' })),
  },
  { case: 'a numeric max_price_wei', status: 400, code: 'invalid_request', call: (w) => json(w, { ...job(w), max_price_wei: 5 }) },
  { case: 'an unknown envelope field', status: 400, code: 'invalid_encrypted_request', call: (w) => withEnvelope(w, { plaintext: 'hi' }) },
  { case: 'another version', status: 400, code: 'invalid_encrypted_request', call: (w) => withEnvelope(w, { version: 'v2' }) },
  {
    case: 'a low-order public key',
    status: 400,
    code: 'invalid_encrypted_request',
    call: (w) => withEnvelope(w, { client_public_key_x25519: encodeBase64url(new Uint8Array(32)) }),
  },
  { case: 'an 11-byte nonce', status: 400, code: 'invalid_encrypted_request', call: (w) => withEnvelope(w, { nonce: bytes(11) }) },
  {
    case: 'padded base64url',
    status: 400,
    code: 'invalid_encrypted_request',
    call: (w) => withEnvelope(w, { nonce: `${bytes(12)}=` }),
  },
  {
    case: 'an aad_hash sealed for another node',
    status: 400,
    code: 'invalid_encrypted_request',
    call: (w) => json(w, { ...job(w), encrypted_request: sealedJob(w.disabled, { job_id: w.jobId }).encrypted_request }),
  },
  {
    case: 'an unknown node',
    status: 404,
    code: 'node_not_found',
    call: (w) => json(w, { ...sealedJob({ ...w.node, nodeId: uniqueId('ghost') }), job_id: w.jobId }),
  },
  { case: 'a disabled node', status: 409, code: 'node_unavailable', call: (w) => json(w, sealedJob(w.disabled, { job_id: w.jobId })) },
  {
    case: 'a model the node does not serve',
    status: 404,
    code: 'model_not_served',
    call: (w) => json(w, job(w, { model_id: 'mistral-7b' })),
  },
  {
    case: 'a key that is not the node’s',
    status: 409,
    code: 'stale_transport_key',
    call: (w) => json(w, { ...sealedJob({ ...w.node, keyId: 'tk-retired' }), job_id: w.jobId }),
  },
  { case: 'a ceiling of 0', status: 402, code: 'max_price_exceeded', call: (w) => json(w, job(w, { max_price_wei: '0' })) },
  {
    case: 'a ceiling one wei below the price',
    status: 402,
    code: 'max_price_exceeded',
    call: (w) => json(w, job(w, { max_price_wei: String(w.node.priceWei - 1n) })),
  },
  {
    case: 'a balance one wei short',
    status: 402,
    code: 'insufficient_balance',
    call: (w) => ({ headers: w.other.headers, json: sealedJob(w.node, { job_id: w.jobId }) }),
  },
];

describe('POST /v1/private-inference/jobs refusals', () => {
  it.each(CASES)('answers $status $code for $case and changes nothing', async ({ status, code, call }) => {
    // Prepare
    const node = await newNode({ priceWei: 1_000n });
    const world: World = {
      customer: await newCustomer(1_000_000n),
      other: await newCustomer(999n),
      node,
      disabled: await newNode({ status: 'disabled' }),
      jobId: uniqueId('job'),
    };
    const before = await Promise.all([footprint(world.customer, node), footprint(world.other, node)]);

    // Act
    const answer = await callApi('POST', '/v1/private-inference/jobs', call(world));

    // Assess
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ error: { status, title: expect.any(String), detail: expect.any(String), code } });
    expect(answer.headers['Content-Type']).toBe('application/json');
    expect(await Promise.all([footprint(world.customer, node), footprint(world.other, node)])).toEqual(before);
    expect(await storedJob(world.customer.customerId, world.jobId)).toBeUndefined();
    expect(await storedJob(world.other.customerId, world.jobId)).toBeUndefined();
  });

  it('names the node’s current keys when the key is stale', async () => {
    const customer = await newCustomer();
    const node = await newNode();

    const answer = await callApi('POST', '/v1/private-inference/jobs', {
      headers: customer.headers,
      json: sealedJob({ ...node, keyId: 'tk-retired' }),
    });

    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('stale_transport_key');
    expect(answer.body.error.detail).toContain(node.keyId);
  });

  it('answers 429 rate_limited past the customer’s burst, before reading the body', async () => {
    // Prepare: the same handler code with a burst of 2, whose bucket's clock stands still (the
    // service passes the wall clock; a slow run must not refill the bucket between the requests).
    const frozenAt = Date.now();
    class FrozenClockLimiter extends CustomerRateLimiter {
      override tryTake(customerId: string): boolean {
        return super.tryTake(customerId, frozenAt);
      }
    }
    const plane = { ...controlPlaneFromEnv(), rateLimiter: new FrozenClockLimiter({ perSecond: 1, burst: 2 }) };
    const handler = apiHandler(customerJobRoutes(plane));
    const customer = await newCustomer();
    const node = await newNode();
    const event = (body: string) =>
      ({
        httpMethod: 'POST',
        resource: '/v1/private-inference/jobs',
        path: '/v1/private-inference/jobs',
        headers: { ...customer.headers, 'Content-Type': 'application/json' },
        body,
        isBase64Encoded: false,
      }) as never;
    const before = await footprint(customer, node);

    // Act
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await handler(event('not json'), {} as never)).statusCode);
    const limited = await handler(event(JSON.stringify(sealedJob(node))), {} as never);

    // Assess
    expect(statuses).toEqual([400, 400, 429]);
    expect(JSON.parse(limited.body).error.code).toBe('rate_limited');
    expect(await footprint(customer, node)).toEqual(before);
  });
});
