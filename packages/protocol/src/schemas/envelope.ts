/**
 * The `b3iq-private-transport-v1` envelope's fields, in the spec's order: `checkEnvelope` reads
 * its field set, required fields and byte sizes from here.
 */
import { ID_SCHEMAS } from './fields.js';
import type { ObjectSchema } from './schema.js';

const TRANSPORT_VERSION = 'b3iq-private-transport-v1';
const TRANSPORT_ALGORITHM = 'x25519-hkdf-sha256-chacha20poly1305';
/** The Poly1305 tag alone, and the contract's limit (413 above it). */
const CIPHERTEXT_BYTES = { min: 16, max: 512 * 1024 } as const;

const ENVELOPE = {
  type: 'object',
  name: 'Envelope',
  description: `${TRANSPORT_VERSION}: sealed to one node's transport key; the control plane cannot open it`,
  properties: {
    version: { type: 'string', enum: [TRANSPORT_VERSION] },
    key_id: ID_SCHEMAS.key_id,
    algorithm: { type: 'string', enum: [TRANSPORT_ALGORITHM] },
    client_public_key_x25519: { type: 'string', bytes: 32, description: 'not a low-order point' },
    nonce: { type: 'string', bytes: 12 },
    ciphertext: { type: 'string', bytes: CIPHERTEXT_BYTES },
    aad_hash: { type: 'string', bytes: 32, description: 'SHA-256 of the AAD (direction, key, node, model, and job for a response)' },
  },
  required: ['version', 'key_id', 'algorithm', 'client_public_key_x25519', 'nonce', 'ciphertext'],
} as const satisfies ObjectSchema;

export { CIPHERTEXT_BYTES, ENVELOPE, TRANSPORT_ALGORITHM, TRANSPORT_VERSION };
