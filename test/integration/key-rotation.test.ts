/**
 * Transport keys with validity windows: during a rotation both keys work; a key past its
 * `valid_until` is refused on the very next request, and one left out of the node's enrollment once
 * the submit cache's 1-second bound has passed (the contract allows 2), with 409 stale_transport_key
 * naming the current keys.
 * Time passes through the control plane's clock (`now()`), never by waiting.
 */

import { encodeBase64url } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';
import { customerJobRoutes } from '../../lambdas/handlers/customer-jobs.js';
import { customerReadRoutes } from '../../lambdas/handlers/customer-reads.js';
import { apiHandler } from '../../lambdas/http/router.js';
import { adminHeaders, callApi, callHandler } from './support/api.js';
import { submit } from './support/jobs.js';
import { planeWith } from './support/lifecycle.js';
import {
  footprint,
  newCustomer,
  newNode,
  newTransportKey,
  sealedJob,
  signedTransportKey,
  type TestNode,
  uniqueId,
} from './support/world.js';

function enroll(node: TestNode, keys: { key_id: string; publicKey: Uint8Array; valid_until?: string }[]) {
  return callApi('PUT', '/v1/admin/nodes/{node_id}', {
    params: { node_id: node.nodeId },
    headers: adminHeaders(),
    json: {
      status: 'active',
      models: [{ model_id: node.modelId, price_wei: node.priceWei.toString() }],
      transport_keys: keys.map(({ key_id, publicKey, valid_until }) =>
        signedTransportKey(node, {
          key_id,
          public_key_x25519: encodeBase64url(publicKey),
          ...(valid_until === undefined ? {} : { valid_until }),
        }),
      ),
    },
  });
}

/** The customer routes the test needs, served by the same code on a control plane whose clock reads `at`. */
function handlerAt(at: Date) {
  const later = planeWith({ now: () => at });
  const { 'POST /v1/private-inference/jobs': submit } = customerJobRoutes(later);
  const { 'GET /v1/private-inference/nodes/{node_id}': getNode } = customerReadRoutes(later);
  return apiHandler({ 'POST /v1/private-inference/jobs': submit, 'GET /v1/private-inference/nodes/{node_id}': getNode });
}

describe('transport key rotation', () => {
  it('accepts both keys during the overlap and refuses the old one once its window ends', async () => {
    // Prepare: the old key stays valid for another hour next to the new one.
    const customer = await newCustomer(10_000n);
    const node = await newNode({ priceWei: 10n });
    const next = { key_id: uniqueId('tk'), ...newTransportKey() };
    const validUntil = new Date(Date.now() + 3_600_000).toISOString();
    const rotated = await enroll(node, [
      { key_id: node.keyId, publicKey: node.publicKey, valid_until: validUntil },
      { key_id: next.key_id, publicKey: next.publicKey },
    ]);
    expect(rotated.status).toBe(200);
    expect(rotated.body.transport_keys.map((key: { key_id: string; valid_until: string | null }) => [key.key_id, key.valid_until])).toEqual(
      [
        [node.keyId, validUntil],
        [next.key_id, null],
      ],
    );
    expect(JSON.parse(rotated.body.transport_keys[0].signed_record)).toMatchObject({ key_id: node.keyId, valid_until: validUntil });

    // Act + Assess: during the overlap both keys are accepted.
    expect((await submit(customer, sealedJob(node))).status).toBe(202);
    expect((await submit(customer, sealedJob({ ...node, keyId: next.key_id, publicKey: next.publicKey }))).status).toBe(202);

    // Act: at valid_until itself, by the control plane's clock (the window ends there).
    const afterWindow = handlerAt(new Date(validUntil));
    const before = await footprint(customer, node);
    const stale = await callHandler(afterWindow, 'POST', '/v1/private-inference/jobs', {
      headers: customer.headers,
      json: sealedJob(node),
    });

    // Assess: refused, naming only the current key, nothing changed; the node view shows only the new key.
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('stale_transport_key');
    expect(stale.body.error.detail).toContain(next.key_id);
    expect(stale.body.error.detail).toMatch(new RegExp(`current keys: ${next.key_id}$`));
    expect(await footprint(customer, node)).toEqual(before);
    const view = await callHandler(afterWindow, 'GET', '/v1/private-inference/nodes/{node_id}', {
      params: { node_id: node.nodeId },
      headers: customer.headers,
    });
    expect(view.body.transport_keys.map((key: { key_id: string }) => key.key_id)).toEqual([next.key_id]);
    // The same key is still accepted a millisecond before.
    const atEnd = await callHandler(handlerAt(new Date(Date.parse(validUntil) - 1)), 'POST', '/v1/private-inference/jobs', {
      headers: customer.headers,
      json: sealedJob(node),
    });
    expect(atEnd.status).toBe(202);
  });

  it("refuses a revoked key once the submit cache's bound has passed", async () => {
    // Prepare: a job accepted through a control plane whose clock reads t0 (the node is read, and kept, then).
    const customer = await newCustomer(10_000n);
    const node = await newNode({ priceWei: 10n });
    const next = { key_id: uniqueId('tk'), ...newTransportKey() };
    const t0 = Date.now();
    const submitAt = (ms: number) =>
      callHandler(handlerAt(new Date(ms)), 'POST', '/v1/private-inference/jobs', { headers: customer.headers, json: sealedJob(node) });
    expect((await submitAt(t0)).status).toBe(202);

    // Act: the old key is left out of the enrollment; submits 1 ms before and at the end of the 1-second bound.
    expect((await enroll(node, [{ key_id: next.key_id, publicKey: next.publicKey }])).status).toBe(200);
    const within = await submitAt(t0 + 999);
    const refused = await submitAt(t0 + 1000);

    // Assess: the contract allows 2 seconds; the node as read serves 1 second (such a job fails at its claim).
    expect(within.status).toBe(202);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'stale_transport_key' });
    expect(refused.body.error.detail).toContain(next.key_id);
  });

  it('re-signs a key whose window changes and keeps one that does not', async () => {
    const node = await newNode();
    const first = await enroll(node, [{ key_id: node.keyId, publicKey: node.publicKey }]);
    const same = await enroll(node, [{ key_id: node.keyId, publicKey: node.publicKey }]);
    const windowed = await enroll(node, [{ key_id: node.keyId, publicKey: node.publicKey, valid_until: '2999-01-01T00:00:00Z' }]);

    expect(same.body.transport_keys[0].signed_record).toBe(first.body.transport_keys[0].signed_record);
    expect(windowed.body.transport_keys[0].signed_record).not.toBe(first.body.transport_keys[0].signed_record);
    expect(JSON.parse(windowed.body.transport_keys[0].signed_record).valid_until).toBe('2999-01-01T00:00:00Z');
  });
});
