/**
 * Enrolled nodes: what an admin may enroll, how a key set is rotated, and what a client is shown.
 * A transport key is current from its enrollment until its `valid_until` (if any) or until an
 * enrollment leaves it out; rotation lists the new key next to the old one, whose `valid_until`
 * ends the overlap. Nothing caches whether a key is current: each job reads the node.
 */

import type { NodeView } from '@b3iq/protocol';
import {
  decodeBase64url,
  formatWei,
  isId,
  isLowOrderPoint,
  isTimestamp,
  MAX_PRICE_WEI,
  MODEL_OFFER,
  NODE_ENROLLMENT,
  NODE_STATUS,
  parseWei,
  type SignedTransportKey,
  TRANSPORT_KEY_ENROLLMENT,
  transportKeyRecord,
  verifiesNodeKeyStatement,
} from '@b3iq/protocol';
import { closedObject } from './json-object.js';
import { Problem } from './problems.js';

type NodeStatus = (typeof NODE_STATUS.enum)[number];

interface ModelOffer {
  model_id: string;
  price_wei: bigint;
}

interface TransportKey extends SignedTransportKey {
  issued_at: string;
  valid_until: string | null;
  /** The node identity key's signature of its statement about this key (node-key-statement.ts). */
  node_signature_ed25519?: string | null;
}

interface InferenceNode {
  node_id: string;
  status: NodeStatus;
  models: ModelOffer[];
  transport_keys: TransportKey[];
  identity_public_key_ed25519: string | null;
  updated_at: string;
}

interface StoredNode {
  node: InferenceNode;
  /** Bumped by every enrollment change; a job's transaction checks it is still the one it read. */
  revision: number;
  /** The node's latest signed call, recorded apart from enrollment (it never bumps `revision`); absent or null: none yet. */
  last_seen_at?: string | null;
}

interface NodeEnrollment {
  status: NodeStatus;
  models: ModelOffer[];
  transport_keys: { key_id: string; public_key_x25519: string; valid_until: string | null; node_signature_ed25519: string | null }[];
  /** A new identity key; `null` revokes the current one; absent keeps it (an update need not repeat it). */
  identity_public_key_ed25519?: string | null;
}

function invalid(detail: string): Problem {
  return new Problem('invalid_request', detail);
}

function parseModels(value: unknown): ModelOffer[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid('"models" must be a non-empty array');
  const seen = new Set<string>();
  return value.map((entry, index) => {
    const model = closedObject(entry, MODEL_OFFER, `models[${index}]`);
    if (!isId('model_id', model.model_id)) throw invalid(`models[${index}].model_id is not a valid model id`);
    const price = parseWei(model.price_wei);
    if (price === undefined || price === 0n) throw invalid(`models[${index}].price_wei must be a positive wei string`);
    if (price > MAX_PRICE_WEI) {
      throw invalid(
        `models[${index}].price_wei must be at most ${MAX_PRICE_WEI.toString().length} digits, so that the node's earnings stay within 38 digits`,
      );
    }
    if (seen.has(model.model_id)) throw invalid(`model "${model.model_id}" is listed twice`);
    seen.add(model.model_id);
    return { model_id: model.model_id, price_wei: price };
  });
}

function isX25519PublicKey(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const bytes = decodeBase64url(value);
  return bytes !== undefined && bytes.length === TRANSPORT_KEY_ENROLLMENT.properties.public_key_x25519.bytes && !isLowOrderPoint(bytes);
}

function parseTransportKeys(value: unknown): NodeEnrollment['transport_keys'] {
  if (!Array.isArray(value) || value.length === 0) throw invalid('"transport_keys" must be a non-empty array');
  const seen = new Set<string>();
  return value.map((entry, index) => {
    const key = closedObject(entry, TRANSPORT_KEY_ENROLLMENT, `transport_keys[${index}]`);
    if (!isId('key_id', key.key_id)) throw invalid(`transport_keys[${index}].key_id is not a valid key id`);
    if (!isX25519PublicKey(key.public_key_x25519)) {
      throw invalid(
        `transport_keys[${index}].public_key_x25519 must be a 32-byte canonical base64url X25519 key that is not a low-order point`,
      );
    }
    if (key.valid_until !== undefined && key.valid_until !== null && !isTimestamp(key.valid_until)) {
      throw invalid(`transport_keys[${index}].valid_until must be an RFC 3339 UTC timestamp, or null for no end`);
    }
    const nodeSignature = key.node_signature_ed25519;
    if (nodeSignature !== undefined && (typeof nodeSignature !== 'string' || decodeBase64url(nodeSignature)?.length !== 64)) {
      throw invalid(`transport_keys[${index}].node_signature_ed25519 must be a 64-byte canonical base64url Ed25519 signature`);
    }
    if (seen.has(key.key_id)) throw invalid(`key "${key.key_id}" is listed twice`);
    seen.add(key.key_id);
    return {
      key_id: key.key_id,
      public_key_x25519: key.public_key_x25519,
      valid_until: key.valid_until ?? null,
      node_signature_ed25519: nodeSignature ?? null,
    };
  });
}

function isNodeStatus(value: unknown): value is NodeStatus {
  return (NODE_STATUS.enum as readonly unknown[]).includes(value);
}

function parseNodeEnrollment(value: unknown): NodeEnrollment {
  const body = closedObject(value, NODE_ENROLLMENT);
  if (!isNodeStatus(body.status)) throw invalid('"status" must be "active" or "disabled"');
  const models = parseModels(body.models);
  const transportKeys = parseTransportKeys(body.transport_keys);
  const identity = body.identity_public_key_ed25519;
  if (identity !== undefined && identity !== null) {
    const bytes = typeof identity === 'string' ? decodeBase64url(identity) : undefined;
    if (bytes === undefined || bytes.length !== NODE_ENROLLMENT.properties.identity_public_key_ed25519.bytes) {
      throw invalid('"identity_public_key_ed25519" must be 32 bytes, canonical base64url');
    }
  }
  return {
    status: body.status,
    models,
    transport_keys: transportKeys,
    ...(identity === undefined ? {} : { identity_public_key_ed25519: identity as string | null }),
  };
}

interface KeyToSign {
  key_id: string;
  public_key_x25519: string;
  issued_at: string;
  valid_until: string | null;
  node_signature_ed25519: string | null;
  signed_record: string;
}

/**
 * Each key's node signature against the node's identity key as it will be after this enrollment
 * (`identityPublicKey`): a node with an identity key must have signed its statement about every
 * key it lists (node, key id, public key, window), or a control plane could slip in a key of its
 * own. A node without one may be stored unsigned (it can neither call the node API nor be used by
 * a client); a signature sent for such a node is refused rather than stored unverifiable.
 */
function checkNodeSignatures(nodeId: string, requested: NodeEnrollment['transport_keys'], identityPublicKey: string | null): void {
  requested.forEach((key, index) => {
    const where = `transport_keys[${index}].node_signature_ed25519`;
    if (identityPublicKey === null) {
      if (key.node_signature_ed25519 !== null) {
        throw invalid(`${where} is sent for a node without an identity key: send identity_public_key_ed25519 as well, or no signatures`);
      }
      return;
    }
    if (key.node_signature_ed25519 === null) {
      throw invalid(`${where} is missing: a node with an identity key signs its b3iq-node-key-statement-v1 for every transport key`);
    }
    const claim = { node_id: nodeId, key_id: key.key_id, public_key_x25519: key.public_key_x25519, valid_until: key.valid_until };
    if (!verifiesNodeKeyStatement(identityPublicKey, claim, key.node_signature_ed25519)) {
      throw invalid(
        `${where} does not verify: it must be the identity key's signature of this key's b3iq-node-key-statement-v1 (node_id, key_id, public_key_x25519, valid_until)`,
      );
    }
  });
}

/**
 * Splits a requested key set into keys that stay as they are (same id, public key, window, node
 * signature and identity key: they keep their record and `issued_at`) and records to sign (new
 * keys, and known keys whose window, node signature or node identity key changed: the record
 * names the identity key). A known id with another public key is a conflict. Node signatures are
 * checked first (checkNodeSignatures), so no record is planned for a key the node did not sign.
 */
function planTransportKeys(
  nodeId: string,
  current: { keys: TransportKey[]; identityPublicKey: string | null },
  requested: NodeEnrollment['transport_keys'],
  identityPublicKey: string | null,
  now: string,
): { kept: TransportKey[]; toSign: KeyToSign[] } {
  checkNodeSignatures(nodeId, requested, identityPublicKey);
  const byId = new Map(current.keys.map((key) => [key.key_id, key]));
  const kept: TransportKey[] = [];
  const toSign: KeyToSign[] = [];
  for (const key of requested) {
    const existing = byId.get(key.key_id);
    if (existing !== undefined && existing.public_key_x25519 !== key.public_key_x25519) {
      throw new Problem('transport_key_conflict', `key "${key.key_id}" is already enrolled with another public key`);
    }
    const unchanged =
      existing !== undefined &&
      existing.valid_until === key.valid_until &&
      (existing.node_signature_ed25519 ?? null) === key.node_signature_ed25519 &&
      current.identityPublicKey === identityPublicKey;
    if (existing !== undefined && unchanged) {
      kept.push(existing);
    } else {
      const signed_record = transportKeyRecord(nodeId, key.key_id, key.public_key_x25519, now, key.valid_until, identityPublicKey);
      toSign.push({ ...key, issued_at: now, signed_record });
    }
  }
  return { kept, toSign };
}

function modelPrice(node: InferenceNode, modelId: string): bigint | undefined {
  return node.models.find((model) => model.model_id === modelId)?.price_wei;
}

/** Whether a key's validity window is open at `now` (keys left out of an enrollment are gone altogether). */
function isCurrentKey(key: TransportKey, now: Date): boolean {
  return key.valid_until === null || Date.parse(key.valid_until) > now.getTime();
}

/** What a client needs to seal a request and to trust the key: only keys that are current at `now`. */
function nodeView(node: InferenceNode, now: Date, lastSeenAt: string | null): NodeView {
  return {
    node_id: node.node_id,
    status: node.status,
    models: node.models.map((model) => ({ model_id: model.model_id, price_wei: formatWei(model.price_wei) })),
    transport_keys: node.transport_keys
      .filter((key) => isCurrentKey(key, now))
      .map(({ key_id, public_key_x25519, signed_record, signature, valid_until, node_signature_ed25519 }) => ({
        key_id,
        public_key_x25519,
        signed_record,
        signature,
        valid_until,
        node_signature_ed25519: node_signature_ed25519 ?? null,
      })),
    identity_public_key_ed25519: node.identity_public_key_ed25519,
    last_seen_at: lastSeenAt,
  };
}

export type { InferenceNode, KeyToSign, ModelOffer, NodeEnrollment, NodeStatus, StoredNode, TransportKey };
export { checkNodeSignatures, isCurrentKey, modelPrice, nodeView, parseNodeEnrollment, planTransportKeys };
