/**
 * Through the deployed API: ministack's API Gateway invokes the bundled Lambdas as local Node.js
 * processes, so this checks the bundles, the wiring of routes to functions and the gateway errors.
 */

import { encodeBase64url } from '@b3iq/protocol';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, inject, it } from 'vitest';
import { newTransportKey, sealedJob, signedTransportKey, uniqueId } from './support/world.js';

const { apiUrl, adminToken } = inject('localStack');

async function http(method: string, path: string, headers: Record<string, string> = {}, json?: unknown) {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { ...(json === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  // biome-ignore lint/suspicious/noExplicitAny: answers are read as loosely typed JSON
  const body: any = await response.json();
  return { status: response.status, contentType: response.headers.get('content-type'), body };
}

describe('the deployed API', () => {
  it('takes a customer from creation to a queued job and reads it back', async () => {
    // Prepare: everything through the admin API over HTTP.
    const admin = { 'X-B3IQ-Admin-Token': adminToken };
    const created = await http('POST', '/v1/admin/customers', admin, { customer_id: uniqueId('cus') });
    expect(created.status).toBe(201);
    const customer = { 'X-B3IQ-Customer-ID': created.body.customer_id, 'X-B3IQ-Customer-Token': created.body.customer_token };
    expect(
      (
        await http('POST', `/v1/admin/customers/${created.body.customer_id}/credits`, admin, {
          credit_id: uniqueId('c'),
          amount_wei: '1000',
        })
      ).status,
    ).toBe(200);
    const key = newTransportKey();
    const node = {
      nodeId: uniqueId('node'),
      keyId: 'tk-1',
      modelId: 'org/model:8b',
      priceWei: 400n,
      identitySecretKey: ed25519.utils.randomSecretKey(),
      ...key,
    };
    const enrolled = await http('PUT', `/v1/admin/nodes/${node.nodeId}`, admin, {
      status: 'active',
      models: [{ model_id: node.modelId, price_wei: '400' }],
      transport_keys: [signedTransportKey(node, { key_id: node.keyId, public_key_x25519: encodeBase64url(key.publicKey) })],
      identity_public_key_ed25519: encodeBase64url(ed25519.getPublicKey(node.identitySecretKey)),
    });
    expect(enrolled.status).toBe(200);
    const body = sealedJob(node, { job_id: uniqueId('job') });

    // Act
    const accepted = await http('POST', '/v1/private-inference/jobs', customer, body);
    const replayed = await http('POST', '/v1/private-inference/jobs', customer, body);
    const read = await http('GET', `/v1/private-inference/jobs/${body.job_id}`, customer);
    const balance = await http('GET', '/v1/billing/account', customer);

    // Assess
    expect(accepted.status).toBe(202);
    expect(accepted.contentType).toContain('application/json');
    expect(accepted.body).toMatchObject({
      status: 'queued',
      job_id: body.job_id,
      billing: { quoted_price_wei: '400', status: 'reserved' },
    });
    expect(replayed.body).toEqual(accepted.body);
    expect(read.body).toMatchObject({ status: 'queued', encrypted_request: body.encrypted_request, encrypted_response: null });
    expect(balance.body).toMatchObject({ balance_wei: '1000', reserved_wei: '400', available_wei: '600' });
  });

  it("rotates a customer's token: a new one made and listed, the old one revoked (DELETE) and refused", async () => {
    // Prepare
    const admin = { 'X-B3IQ-Admin-Token': adminToken };
    const created = await http('POST', '/v1/admin/customers', admin, {});
    const customerId = created.body.customer_id as string;
    const tokens = `/v1/admin/customers/${customerId}/tokens`;

    // Act
    const made = await http('POST', tokens, admin, { name: 'rotated' });
    const listed = await http('GET', tokens, admin);
    const initial = listed.body.tokens.find((token: { name: string }) => token.name === 'initial');
    const revoked = await http('DELETE', `${tokens}/${initial.token_id}`, admin);
    const asOld = await http('GET', '/v1/billing/account', {
      'X-B3IQ-Customer-ID': customerId,
      'X-B3IQ-Customer-Token': created.body.customer_token,
    });
    const asNew = await http('GET', '/v1/billing/account', {
      'X-B3IQ-Customer-ID': customerId,
      'X-B3IQ-Customer-Token': made.body.customer_token,
    });

    // Assess
    expect(made.status).toBe(201);
    expect(listed.body.tokens.map((token: { name: string }) => token.name)).toEqual(['initial', 'rotated']);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ token_id: initial.token_id, revoked_at: expect.any(String) });
    expect(asOld.status).toBe(401);
    expect(asNew.status).toBe(200);
  });

  it.each([
    { case: 'a wrong customer token', method: 'GET', path: '/v1/billing/account', status: 401, code: 'unauthorized' },
    { case: 'an unknown route', method: 'GET', path: '/v2/anything', status: 404, code: 'not_found' },
    { case: 'a method the route lacks', method: 'DELETE', path: '/v1/private-inference/jobs', status: 405, code: 'method_not_allowed' },
  ])('answers $status $code in the problem shape for $case', async ({ method, path, status, code }) => {
    const answer = await http(method, path, { 'X-B3IQ-Customer-ID': 'demo', 'X-B3IQ-Customer-Token': 'wrong' });

    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ error: { status, title: expect.any(String), detail: expect.any(String), code } });
  });
});
