/**
 * Who is calling from a node: the request must be signed with the node's enrolled Ed25519
 * identity key (`b3iq-node-signature-v1`), fresh, with a nonce never seen before, and a node may
 * only act on its own path.
 */
import { isId, nodeSignatureProblem, REPLAY_WINDOW_SECONDS } from '@b3iq/protocol';
import type { StoredNode } from '../domain/node.js';
import { Problem } from '../domain/problems.js';
import type { ControlPlane } from './control-plane.js';

/** What a node's request says about itself: the parts its signature covers, and the node its path names. */
interface SignedNodeRequest {
  /** `X-B3IQ-Node-ID`. */
  nodeId: string | undefined;
  method: string;
  path: string;
  timestamp: string;
  nonce: string;
  signature: string | undefined;
  /** The body's exact text, as signed. */
  body: string;
  pathNodeId: string | undefined;
}

const refused = (detail: string) => new Problem('invalid_signature', detail);

const NOT_SIGNED =
  'the request is not signed by an enrolled node: sign it with its identity key (b3iq-node-signature-v1), a fresh nonce and a timestamp within the replay window';

async function admitNode(plane: ControlPlane, request: SignedNodeRequest): Promise<StoredNode> {
  const { nodeId } = request;
  if (!isId('node_id', nodeId)) throw refused('send X-B3IQ-Node-ID and a b3iq-node-signature-v1 signature');
  const stored = await plane.store.getNode(nodeId);
  const identity = stored?.node.identity_public_key_ed25519;
  const parts = { method: request.method, path: request.path, timestamp: request.timestamp, nonce: request.nonce, body: request.body };
  const nowMs = plane.now().getTime();
  // One answer, byte for byte, for an unknown node, a node without an identity key and a bad signature or
  // timestamp: the reason is not told, or the answer would tell outsiders which node ids are enrolled.
  const problem = identity ? nodeSignatureProblem(identity, parts, request.signature, nowMs) : 'unknown node';
  if (problem !== undefined || stored === undefined) throw refused(NOT_SIGNED);
  if (!(await plane.store.rememberNonce(nodeId, parts.nonce, Math.ceil(nowMs / 1000) + 2 * REPLAY_WINDOW_SECONDS))) {
    throw refused('this nonce was already used; sign every request with a fresh one');
  }
  if (request.pathNodeId !== nodeId) throw new Problem('forbidden', 'a node may only act on its own commands');
  await plane.nodeSightings.noteCall(nodeId, plane.now());
  return stored;
}

export type { SignedNodeRequest };
export { admitNode };
