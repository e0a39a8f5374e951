import { describe, expect, it } from 'vitest';
import type { InferenceNode, StoredNode, TransportKey } from '../../../lambdas/domain/node.js';
import { routeToNode } from '../../../lambdas/domain/node-routing.js';
import type { ProblemCode } from '../../../lambdas/domain/problems.js';
import type { Envelope } from '../../../lambdas/transport/envelope.js';
import { directoryKey, signedKey } from '../support/key-directory.js';
import { problemOf } from '../support/problem.js';

const NODE_ID = 'node-alpha';
const MODEL_ID = 'meta/llama-3.1-8b';
const signer = directoryKey();
const KEY_1 = signedKey(signer.privateKey, NODE_ID, 'tk-1');
const KEY_2 = signedKey(signer.privateKey, NODE_ID, 'tk-2');
const FORGED: TransportKey = { ...signedKey(directoryKey().privateKey, NODE_ID, 'tk-forged') };
const TAMPERED: TransportKey = { ...KEY_2, key_id: 'tk-3', signed_record: KEY_2.signed_record.replace('"tk-2"', '"tk-3"') };

function stored(overrides: Partial<InferenceNode> = {}): StoredNode {
  return {
    revision: 1,
    node: {
      node_id: NODE_ID,
      status: 'active',
      models: [
        { model_id: MODEL_ID, price_wei: 1234n },
        { model_id: 'mistral-7b', price_wei: 5n },
      ],
      transport_keys: [KEY_1, KEY_2],
      identity_public_key_ed25519: null,
      updated_at: '2026-01-01T00:00:00Z',
      ...overrides,
    },
  };
}

function request(keyId: string, modelId = MODEL_ID) {
  const encrypted_request = { key_id: keyId } as Envelope;
  return { node_id: NODE_ID, model_id: modelId, encrypted_request };
}

describe('routeToNode', () => {
  it.each([
    { case: 'first key, first model', keyId: 'tk-1', modelId: MODEL_ID, price: 1234n },
    { case: 'second key, second model', keyId: 'tk-2', modelId: 'mistral-7b', price: 5n },
  ])('returns the node and its price for the model ($case)', ({ keyId, modelId, price }) => {
    // Prepare
    const node = stored();

    // Act
    const route = routeToNode(node, request(keyId, modelId), signer.directory);

    // Assess
    expect(route).toEqual({ stored: node, priceWei: price });
  });

  it.each<{ case: string; node: StoredNode | undefined; keyId: string; modelId?: string; code: ProblemCode; status: number }>([
    { case: 'no such node', node: undefined, keyId: 'tk-1', code: 'node_not_found', status: 404 },
    { case: 'node disabled', node: stored({ status: 'disabled' }), keyId: 'tk-1', code: 'node_unavailable', status: 409 },
    { case: 'model not offered', node: stored(), keyId: 'tk-1', modelId: 'gpt-5', code: 'model_not_served', status: 404 },
    { case: 'unknown key id', node: stored(), keyId: 'tk-9', code: 'stale_transport_key', status: 409 },
    { case: 'key signed by another directory', node: stored({ transport_keys: [KEY_1, FORGED] }), keyId: 'tk-forged', code: 'stale_transport_key', status: 409 },
    { case: 'key whose record was altered', node: stored({ transport_keys: [KEY_1, TAMPERED] }), keyId: 'tk-3', code: 'stale_transport_key', status: 409 },
  ])('throws the contract problem ($case)', ({ node, keyId, modelId, code, status }) => {
    // Act
    const problem = problemOf(() => routeToNode(node, request(keyId, modelId), signer.directory));

    // Assess
    expect(problem.code).toBe(code);
    expect(problem.status).toBe(status);
  });

  it('names only the verified key ids in a stale_transport_key detail (detail)', () => {
    // Prepare
    const node = stored({ transport_keys: [KEY_1, FORGED, TAMPERED, KEY_2] });

    // Act
    const problem = problemOf(() => routeToNode(node, request('tk-forged'), signer.directory));

    // Assess
    expect(problem.code).toBe('stale_transport_key');
    expect(problem.message).toContain('tk-1, tk-2');
    expect(problem.message).not.toContain('tk-3');
    expect(problem.message.match(/tk-forged/g)).toHaveLength(1);
  });

  it('says "none" when no key verifies (no keys)', () => {
    // Act
    const problem = problemOf(() => routeToNode(stored({ transport_keys: [FORGED] }), request('tk-forged'), signer.directory));

    // Assess
    expect(problem.code).toBe('stale_transport_key');
    expect(problem.message).toMatch(/current keys: none$/);
  });
});
