/** Item codecs of enrolled nodes and of the nonces of their requests (layout in items.ts). */
import type { InferenceNode, StoredNode } from '../../domain/node.js';
import { type Item, n, nullableS, readInt, readList, readNullableS, readS, readWei, s, stringMap } from './attributes.js';
import { ACTIVE_NODES_PARTITION, keys } from './items.js';

/** The `ActiveNodes` index attributes: only an active node is listed. */
function activeNodeAttributes(node: InferenceNode): Item {
  return node.status === 'active' ? { active_nodes: s(ACTIVE_NODES_PARTITION) } : {};
}

function nodeToItem({ node, revision, last_seen_at }: StoredNode): Item {
  return {
    ...keys.node(node.node_id),
    entity: s('node'),
    node_id: s(node.node_id),
    status: s(node.status),
    models: { L: node.models.map((model) => ({ M: { model_id: s(model.model_id), price_wei: n(model.price_wei) } })) },
    transport_keys: {
      L: node.transport_keys.map(({ valid_until, node_signature_ed25519, ...key }) => ({
        M: { ...stringMap(key).M, valid_until: nullableS(valid_until), node_signature_ed25519: nullableS(node_signature_ed25519 ?? null) },
      })),
    },
    identity_public_key_ed25519: nullableS(node.identity_public_key_ed25519),
    revision: n(revision),
    updated_at: s(node.updated_at),
    // A string set, so that a listing can filter with contains(); a node always offers a model.
    model_ids: { SS: node.models.map((model) => model.model_id) },
    ...activeNodeAttributes(node),
    ...(last_seen_at ? { last_seen_at: s(last_seen_at) } : {}),
  };
}

function nodeFromItem(item: Item): StoredNode {
  return {
    revision: readInt(item, 'revision'),
    last_seen_at: item.last_seen_at?.S ?? null,
    node: {
      node_id: readS(item, 'node_id'),
      status: readS(item, 'status') as InferenceNode['status'],
      models: readList(item, 'models').map((model) => ({
        model_id: readS(model, 'model_id'),
        price_wei: readWei(model, 'price_wei'),
      })),
      transport_keys: readList(item, 'transport_keys').map((key) => ({
        key_id: readS(key, 'key_id'),
        public_key_x25519: readS(key, 'public_key_x25519'),
        signed_record: readS(key, 'signed_record'),
        signature: readS(key, 'signature'),
        issued_at: readS(key, 'issued_at'),
        valid_until: readNullableS(key, 'valid_until'),
        node_signature_ed25519: readNullableS(key, 'node_signature_ed25519'),
      })),
      identity_public_key_ed25519: readNullableS(item, 'identity_public_key_ed25519'),
      updated_at: readS(item, 'updated_at'),
    },
  };
}

/** A seen nonce, purged by TTL at `expiresAt` (epoch seconds). */
function nonceToItem(nodeId: string, nonce: string, expiresAt: number): Item {
  return { ...keys.nonce(nodeId, nonce), entity: s('nonce'), expires_at: n(expiresAt) };
}

export { nodeFromItem, nodeToItem, nonceToItem };
