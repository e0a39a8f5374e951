/**
 * `b3iq-node-signature-v1`: every node request is signed with the node's enrolled Ed25519
 * identity key over its method, path, timestamp, a fresh nonce and the SHA-256 of its body.
 * The control plane accepts a timestamp within REPLAY_WINDOW_SECONDS of its clock and each
 * nonce once (it remembers nonces for the window), so a captured request cannot be replayed.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { decodeBase64url, encodeBase64url } from '../encoding/base64url.js';

const NODE_SIGNATURE_VERSION = 'b3iq-node-signature-v1';
const REPLAY_WINDOW_SECONDS = 300;
const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/** Header names, lowercased as the control plane reads them. */
const NODE_HEADERS = {
  nodeId: 'x-b3iq-node-id',
  timestamp: 'x-b3iq-timestamp',
  nonce: 'x-b3iq-nonce',
  signature: 'x-b3iq-signature',
} as const;

interface NodeRequestParts {
  method: string;
  /**
   * The path relative to the API root, e.g. `/v1/nodes/node-a/commands/pull`: without the host, the
   * stage, or a custom domain's base path (what follows the node's `--api-url`).
   */
  path: string;
  /** Unix seconds, as a decimal string. */
  timestamp: string;
  nonce: string;
  body: string;
}

/** The exact bytes signed: six lines, the last the base64url SHA-256 of the body. */
function nodeSigningBytes(parts: NodeRequestParts): Uint8Array {
  const bodyHash = encodeBase64url(sha256(new TextEncoder().encode(parts.body)));
  const text = [NODE_SIGNATURE_VERSION, parts.method.toUpperCase(), parts.path, parts.timestamp, parts.nonce, bodyHash].join('\n');
  return new TextEncoder().encode(text);
}

/** Signs a node request; returns the four headers to send with it. */
function signNodeRequest(
  identitySecretKey: Uint8Array,
  nodeId: string,
  request: { method: string; path: string; body: string },
  now = Date.now(),
): Record<string, string> {
  const parts = {
    ...request,
    timestamp: String(Math.floor(now / 1000)),
    nonce: encodeBase64url(crypto.getRandomValues(new Uint8Array(16))),
  };
  return {
    'X-B3IQ-Node-ID': nodeId,
    'X-B3IQ-Timestamp': parts.timestamp,
    'X-B3IQ-Nonce': parts.nonce,
    'X-B3IQ-Signature': encodeBase64url(ed25519.sign(nodeSigningBytes(parts), identitySecretKey)),
  };
}

/** Why a signed request is not acceptable, or `undefined` when its signature and timestamp are good. */
function nodeSignatureProblem(
  identityPublicKey: string,
  parts: NodeRequestParts,
  signature: string | undefined,
  nowMs: number,
): string | undefined {
  if (!/^[0-9]{1,12}$/.test(parts.timestamp)) return 'X-B3IQ-Timestamp must be unix seconds';
  if (Math.abs(Number(parts.timestamp) - nowMs / 1000) > REPLAY_WINDOW_SECONDS) {
    return `X-B3IQ-Timestamp is more than ${REPLAY_WINDOW_SECONDS} s from the control plane's clock`;
  }
  if (!NONCE_PATTERN.test(parts.nonce)) return 'X-B3IQ-Nonce must be 16 to 64 base64url characters';
  const publicKey = decodeBase64url(identityPublicKey);
  if (publicKey?.length !== 32) return "the node's enrolled identity key is not an Ed25519 public key";
  const signatureBytes = signature === undefined ? undefined : decodeBase64url(signature);
  if (signatureBytes?.length !== 64) return 'X-B3IQ-Signature is not an Ed25519 signature';
  try {
    return ed25519.verify(signatureBytes, nodeSigningBytes(parts), publicKey, { zip215: false })
      ? undefined
      : 'the signature does not verify';
  } catch {
    return 'the signature does not verify';
  }
}

export type { NodeRequestParts };
export { NODE_HEADERS, NODE_SIGNATURE_VERSION, nodeSignatureProblem, nodeSigningBytes, REPLAY_WINDOW_SECONDS, signNodeRequest };
