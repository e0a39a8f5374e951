/**
 * Whether a job may go to the node it names: the node is enrolled and active, offers the model,
 * and the request is sealed to one of its current transport keys (inside its validity window)
 * whose signed record verifies.
 */
import type { Envelope, KeyDirectory } from '@b3iq/protocol';
import { type InferenceNode, isCurrentKey, modelPrice, type StoredNode } from './node.js';
import { Problem } from './problems.js';

interface Route {
  stored: StoredNode;
  priceWei: bigint;
}

function routeToNode(
  stored: StoredNode | undefined,
  request: { node_id: string; model_id: string; encrypted_request: Envelope },
  directory: KeyDirectory,
  now: Date,
): Route {
  if (stored === undefined) throw new Problem('node_not_found', `no enrolled node "${request.node_id}"`);
  const { node } = stored;
  if (node.status !== 'active') throw new Problem('node_unavailable', `node "${node.node_id}" is ${node.status}`);
  const priceWei = modelPrice(node, request.model_id);
  if (priceWei === undefined) {
    throw new Problem('model_not_served', `node "${node.node_id}" does not offer model "${request.model_id}"`);
  }
  const current = node.transport_keys.filter((key) => isCurrentKey(key, now) && directory.verifies(key, node.node_id));
  if (!current.some((key) => key.key_id === request.encrypted_request.key_id)) {
    const ids = current.map((key) => key.key_id).join(', ') || 'none';
    throw new Problem(
      'stale_transport_key',
      `key "${request.encrypted_request.key_id}" is not a current transport key of node "${node.node_id}"; current keys: ${ids}`,
    );
  }
  return { stored, priceWei };
}

/**
 * Whether an accepted job may still go to its node at claim: the node is active, still offers the
 * model, and the job's request key is still one of its current transport keys. A price change is
 * no reason (the price was quoted). The key's signed record was verified when the job was
 * accepted; a key that stays in the node's record is the same key, so it is not verified again.
 */
function stillRoutable(node: InferenceNode, job: { model_id: string; request_key_id: string }, now: Date): boolean {
  return (
    node.status === 'active' &&
    modelPrice(node, job.model_id) !== undefined &&
    node.transport_keys.some((key) => key.key_id === job.request_key_id && isCurrentKey(key, now))
  );
}

export type { Route };
export { routeToNode, stillRoutable };
