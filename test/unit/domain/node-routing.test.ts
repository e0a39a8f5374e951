import type { Envelope } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';
import type { InferenceNode, StoredNode, TransportKey } from '../../../lambdas/domain/node.js';
import { routeToNode } from '../../../lambdas/domain/node-routing.js';
import type { ProblemCode } from '../../../lambdas/domain/problems.js';
import { directoryKey, signedKey } from '../support/key-directory.js';
import { problemOf } from '../support/problem.js';

const NODE_ID = 'node-alpha';
const MODEL_ID = 'meta/llama-3.1-8b';
const signer = directoryKey();
const NOW = new Date('2026-03-01T00:00:00Z');
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
    const route = routeToNode(node, request(keyId, modelId), signer.directory, NOW);

    // Assess
    expect(route).toEqual({ stored: node, priceWei: price });
  });

  it.each<{ case: string; node: StoredNode | undefined; keyId: string; modelId?: string; code: ProblemCode; status: number }>([
    { case: 'no such node', node: undefined, keyId: 'tk-1', code: 'node_not_found', status: 404 },
    { case: 'node disabled', node: stored({ status: 'disabled' }), keyId: 'tk-1', code: 'node_unavailable', status: 409 },
    { case: 'model not offered', node: stored(), keyId: 'tk-1', modelId: 'gpt-5', code: 'model_not_served', status: 404 },
    { case: 'unknown key id', node: stored(), keyId: 'tk-9', code: 'stale_transport_key', status: 409 },
    {
      case: 'key signed by another directory',
      node: stored({ transport_keys: [KEY_1, FORGED] }),
      keyId: 'tk-forged',
      code: 'stale_transport_key',
      status: 409,
    },
    {
      case: 'key whose record was altered',
      node: stored({ transport_keys: [KEY_1, TAMPERED] }),
      keyId: 'tk-3',
      code: 'stale_transport_key',
      status: 409,
    },
  ])('throws the contract problem ($case)', ({ node, keyId, modelId, code, status }) => {
    // Act
    const problem = problemOf(() => routeToNode(node, request(keyId, modelId), signer.directory, NOW));

    // Assess
    expect(problem.code).toBe(code);
    expect(problem.status).toBe(status);
  });

  it('names only the verified key ids in a stale_transport_key detail (detail)', () => {
    // Prepare
    const node = stored({ transport_keys: [KEY_1, FORGED, TAMPERED, KEY_2] });

    // Act
    const problem = problemOf(() => routeToNode(node, request('tk-forged'), signer.directory, NOW));

    // Assess
    expect(problem.code).toBe('stale_transport_key');
    expect(problem.message).toContain('tk-1, tk-2');
    expect(problem.message).not.toContain('tk-3');
    expect(problem.message.match(/tk-forged/g)).toHaveLength(1);
  });

  it('says "none" when no key verifies (no keys)', () => {
    // Act
    const problem = problemOf(() => routeToNode(stored({ transport_keys: [FORGED] }), request('tk-forged'), signer.directory, NOW));

    // Assess
    expect(problem.code).toBe('stale_transport_key');
    expect(problem.message).toMatch(/current keys: none$/);
  });
});

describe('routeToNode with transport-key validity windows', () => {
  const UNTIL = '2026-04-01T00:00:00Z';
  const OLD = signedKey(signer.privateKey, NODE_ID, 'tk-old', undefined, UNTIL);
  const NEW = signedKey(signer.privateKey, NODE_ID, 'tk-new');
  const LATER = signedKey(signer.privateKey, NODE_ID, 'tk-later', undefined, '2026-12-01T00:00:00Z');
  const rotating = () => stored({ transport_keys: [OLD, NEW, LATER] });

  it.each([
    { case: 'well before valid_until', now: '2026-03-15T00:00:00Z' },
    { case: '1 ms before valid_until', now: '2026-03-31T23:59:59.999Z' },
  ])('accepts a request sealed to a key inside its window ($case)', ({ now }) => {
    // Prepare
    const node = rotating();

    // Act
    const route = routeToNode(node, request('tk-old'), signer.directory, new Date(now));

    // Assess
    expect(route).toEqual({ stored: node, priceWei: 1234n });
  });

  it.each([
    { case: 'exactly at valid_until', now: UNTIL },
    { case: '1 ms after valid_until', now: '2026-04-01T00:00:00.001Z' },
    { case: 'long after valid_until', now: '2026-11-30T00:00:00Z' },
  ])('refuses a request sealed to an expired key with 409 stale_transport_key naming only current keys ($case)', ({ now }) => {
    // Act
    const problem = problemOf(() => routeToNode(rotating(), request('tk-old'), signer.directory, new Date(now)));

    // Assess
    expect(problem.code).toBe('stale_transport_key');
    expect(problem.status).toBe(409);
    expect(problem.message).toBe(`key "tk-old" is not a current transport key of node "${NODE_ID}"; current keys: tk-new, tk-later`);
  });

  it('says "none" when every key of the node has expired (all expired)', () => {
    // Act
    const problem = problemOf(() => routeToNode(stored({ transport_keys: [OLD] }), request('tk-old'), signer.directory, new Date(UNTIL)));

    // Assess
    expect(problem.code).toBe('stale_transport_key');
    expect(problem.message).toMatch(/current keys: none$/);
  });
});
