/** The customer's reads: only their own jobs, their account, and what they need to seal to a node. */
import { encodeBase64url, verifiesNodeKeyStatement } from '@b3iq/protocol';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { callApi } from './support/api.js';
import { newCustomer, newNode, sealedJob, uniqueId } from './support/world.js';

describe('GET /v1/private-inference/jobs/{job_id}', () => {
  it('shows the job as B3IQ does, with no response yet', async () => {
    // Prepare
    const customer = await newCustomer();
    const node = await newNode({ priceWei: 500n });
    const body = sealedJob(node, { job_id: uniqueId('job') });
    const accepted = await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: body });

    // Act
    const answer = await callApi('GET', '/v1/private-inference/jobs/{job_id}', {
      headers: customer.headers,
      params: { job_id: accepted.body.job_id },
    });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      job_id: accepted.body.job_id,
      node_id: node.nodeId,
      model_id: node.modelId,
      status: 'queued',
      encrypted_request: body.encrypted_request,
      encrypted_response: null,
      receipt_hash: null,
      billing: accepted.body.billing,
      created_at: accepted.body.created_at,
      claim_deadline: new Date(Date.parse(accepted.body.created_at) + 900_000).toISOString(),
      completion_deadline: new Date(Date.parse(accepted.body.created_at) + 3_600_000).toISOString(),
      completed_at: null,
    });
  });

  it.each([
    { case: 'another customer’s job', jobId: (own: string) => own, asOther: true },
    { case: 'an unknown job', jobId: () => uniqueId('job'), asOther: false },
    { case: 'an id that breaks the pattern', jobId: () => 'not a job id', asOther: false },
  ])('answers 404 job_not_found for $case', async ({ jobId, asOther }) => {
    const [owner, other] = await Promise.all([newCustomer(), newCustomer()]);
    const node = await newNode();
    const own = uniqueId('job');
    // The job exists for its owner, so only the caller or the id can make it not found.
    expect(
      (await callApi('POST', '/v1/private-inference/jobs', { headers: owner.headers, json: sealedJob(node, { job_id: own }) })).status,
    ).toBe(202);

    const answer = await callApi('GET', '/v1/private-inference/jobs/{job_id}', {
      headers: (asOther ? other : owner).headers,
      params: { job_id: jobId(own) },
    });

    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('job_not_found');
  });
});

describe('GET /v1/billing/account', () => {
  it('shows balance, reserved and available after a job', async () => {
    const customer = await newCustomer(1_000n);
    const node = await newNode({ priceWei: 300n });
    await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: sealedJob(node) });

    const answer = await callApi('GET', '/v1/billing/account', { headers: customer.headers });

    expect(answer.body).toEqual({
      customer_id: customer.customerId,
      balance_wei: '1000',
      reserved_wei: '300',
      available_wei: '700',
      policy_version: 'flat-v1',
    });
  });
});

describe('GET /v1/private-inference/nodes/{node_id}', () => {
  it("shows status, models with prices, the node's identity key and the transport keys signed by the directory and the node", async () => {
    const customer = await newCustomer();
    const node = await newNode({ priceWei: 42n });

    const answer = await callApi('GET', '/v1/private-inference/nodes/{node_id}', {
      headers: customer.headers,
      params: { node_id: node.nodeId },
    });

    expect(answer.body).toEqual({
      node_id: node.nodeId,
      status: 'active',
      models: [{ model_id: node.modelId, price_wei: '42' }],
      transport_keys: [
        {
          key_id: node.keyId,
          public_key_x25519: expect.any(String),
          signed_record: expect.any(String),
          signature: expect.any(String),
          valid_until: null,
          node_signature_ed25519: expect.any(String),
        },
      ],
      identity_public_key_ed25519: encodeBase64url(ed25519.getPublicKey(node.identitySecretKey)),
      last_seen_at: null,
    });
    const [key] = answer.body.transport_keys;
    const claim = { node_id: node.nodeId, key_id: node.keyId, public_key_x25519: encodeBase64url(node.publicKey), valid_until: null };
    expect(verifiesNodeKeyStatement(answer.body.identity_public_key_ed25519, claim, key.node_signature_ed25519)).toBe(true);
    expect(JSON.parse(key.signed_record).identity_public_key_ed25519).toBe(answer.body.identity_public_key_ed25519);
  });

  it.each(['ghost-node', 'bad.node.id'])('answers 404 node_not_found for %s', async (nodeId) => {
    const customer = await newCustomer();

    const answer = await callApi('GET', '/v1/private-inference/nodes/{node_id}', {
      headers: customer.headers,
      params: { node_id: nodeId },
    });

    expect(answer.body.error.code).toBe('node_not_found');
  });
});

describe('customer credentials on reads', () => {
  it.each<{ method: string; path: string; params: Record<string, string> }>([
    { method: 'GET', path: '/v1/billing/account', params: {} },
    { method: 'GET', path: '/v1/private-inference/key-directory', params: {} },
    { method: 'GET', path: '/v1/private-inference/nodes/{node_id}', params: { node_id: 'demo-node' } },
    { method: 'GET', path: '/v1/private-inference/jobs/{job_id}', params: { job_id: 'job-1' } },
  ])('answers 401 on $path with a wrong token', async ({ method, path, params }) => {
    const customer = await newCustomer();

    const answer = await callApi(method, path, { headers: { ...customer.headers, 'X-B3IQ-Customer-Token': 'wrong' }, params });

    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('unauthorized');
  });
});

describe('unknown routes and methods', () => {
  it.each([
    { case: 'an unknown path', method: 'GET', path: '/{proxy+}', status: 404, code: 'not_found' },
    { case: 'DELETE on the jobs route', method: 'DELETE', path: '/v1/private-inference/jobs', status: 405, code: 'method_not_allowed' },
    { case: 'POST on the account route', method: 'POST', path: '/v1/billing/account', status: 405, code: 'method_not_allowed' },
  ])('answers $status $code for $case', async ({ method, path, status, code }) => {
    const answer = await callApi(method, path, { params: { proxy: 'v2/nothing' } });

    expect(answer.status).toBe(status);
    expect(answer.body.error.code).toBe(code);
  });
});
