/**
 * Writes `test/vectors/private-transport-v1.json`: the two known-answer vectors of
 * `private-transport-v1.md` and the project's own. Keys and nonces come from SHA-256 of fixed
 * labels, so running it again gives the same bytes. Every vector is sealed with noble
 * (`packages/protocol/src/transport`) and checked against the node:crypto reference before it is written:
 * the reference must seal to the same envelope and open it to the same plaintext.
 *
 *   npx tsx --conditions=b3iq-source test/vectors/generate-private-transport-v1.ts
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { checkEnvelope, type Direction, decodeBase64url, encodeBase64url, openEnvelope, sealEnvelope } from '@b3iq/protocol';
import { x25519 } from '@noble/curves/ed25519.js';
import { refDecodeBase64url, refOpen, refPublicKey, refSeal } from '../unit/transport/reference-openssl.js';
import { type VectorMeta as Meta, SPEC_VECTORS, toVectorItem, type VectorItem as Vector } from './spec.js';

const OUTPUT = new URL('./private-transport-v1.json', import.meta.url);
const LABEL_PREFIX = 'b3iq-private-transport-v1 test vector';

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** 32 bytes (or fewer) of SHA-256 over a fixed label. */
function labelled(label: string, length = 32): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`${LABEL_PREFIX} ${label}`).digest()).subarray(0, length);
}

function bindingFor(direction: Direction, meta: Meta) {
  return direction === 'request' ? { key_id: meta.key_id, node_id: meta.node_id, model_id: meta.model_id } : meta;
}

// --- the project's own vectors ------------------------------------------------------------------

/** A request plaintext of exactly `size` UTF-8 bytes: one user message padded with numbered lines. */
function largeRequest(size: number): Uint8Array {
  const head = '{"messages":[{"role":"user","content":"';
  const tail = '"}]}';
  let content = '';
  for (let line = 0; head.length + content.length + tail.length < size; line += 1) {
    content += `line ${String(line).padStart(5, '0')}: the quick brown fox jumps over the lazy dog.\\n`;
  }
  const text = head + content.slice(0, size - head.length - tail.length) + tail;
  const bytes = utf8(text);
  if (bytes.length !== size) throw new Error(`large plaintext is ${bytes.length} bytes, not ${size}`);
  return bytes;
}

interface Own {
  label: string;
  direction: Direction;
  /** Request: the node's secret, from this label. Response: the label of the request it answers. */
  recipient: string;
  meta: Meta;
  plaintext: Uint8Array;
}

const ALPHA: Meta = { key_id: 'tk-vec-01', node_id: 'node-vec-01', model_id: 'llama-3.1-8b-instruct', job_id: 'job-vec-0001' };
const SLASHED: Meta = {
  key_id: 'tk.2026-12:a',
  node_id: 'node_vec-02',
  model_id: 'meta-llama/Llama-3.1-8B-Instruct:q4_k_m',
  job_id: 'job:2026-12-01.000042',
};
const LONGEST: Meta = {
  key_id: `K${'k'.repeat(63)}`,
  node_id: `N${'n'.repeat(62)}`,
  model_id: `M${'m/:.'.repeat(31)}mmm`,
  job_id: `J${'j.:-_'.repeat(25)}jj`,
};
const JAPANESE = '東京の天気はどうですか？日本語で答えてください。🌸🗻🍣 Ça va, Zoë? Crème brûlée à São Paulo, señor Müller — naïve café.';

const OWN: Own[] = [
  { label: 'empty request', direction: 'request', recipient: 'node-vec-01', meta: ALPHA, plaintext: new Uint8Array(0) },
  { label: 'empty response', direction: 'response', recipient: 'empty request', meta: ALPHA, plaintext: new Uint8Array(0) },
  {
    label: 'large request',
    direction: 'request',
    recipient: 'node-vec-01',
    meta: { ...ALPHA, job_id: 'job-vec-0002' },
    // 64 KiB + 1: past the 64-byte ChaCha20 block boundary by one byte.
    plaintext: largeRequest(64 * 1024 + 1),
  },
  {
    label: 'non-ascii request',
    direction: 'request',
    recipient: 'node-vec-01',
    meta: { ...ALPHA, job_id: 'job-vec-0003' },
    plaintext: utf8(JSON.stringify({ messages: [{ role: 'user', content: JAPANESE }], max_tokens: 256, temperature: 0.2 })),
  },
  {
    label: 'non-ascii response',
    direction: 'response',
    recipient: 'non-ascii request',
    meta: { ...ALPHA, job_id: 'job-vec-0003' },
    plaintext: utf8(
      JSON.stringify({
        message: { role: 'assistant', content: '東京は晴れです ☀️👍 — très agréable, ¡qué bien!' },
        usage: { prompt_tokens: 41, completion_tokens: 17 },
      }),
    ),
  },
  {
    label: 'slashed model request',
    direction: 'request',
    recipient: 'node-vec-02',
    meta: SLASHED,
    plaintext: utf8('{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Ping?"}],"max_tokens":8}'),
  },
  {
    label: 'slashed model response',
    direction: 'response',
    recipient: 'slashed model request',
    meta: SLASHED,
    plaintext: utf8('{"message":{"role":"assistant","content":"Pong."},"usage":{"prompt_tokens":12,"completion_tokens":2}}'),
  },
  {
    label: 'error response',
    direction: 'response',
    recipient: 'slashed model request',
    meta: { ...SLASHED, job_id: 'job:2026-12-01.000043' },
    plaintext: utf8('{"error":{"code":"backend_unavailable","message":"the inference backend did not answer"}}'),
  },
  {
    label: 'longest ids request',
    direction: 'request',
    recipient: 'node-vec-03',
    meta: LONGEST,
    plaintext: utf8('{"messages":[{"role":"user","content":"x"}]}'),
  },
  {
    label: 'longest ids response',
    direction: 'response',
    recipient: 'longest ids request',
    meta: LONGEST,
    // One byte: the shortest non-empty body.
    plaintext: utf8('x'),
  },
];

/** Seals with noble, then requires the reference to agree on both the envelope and the plaintext. */
function crossChecked(vector: Vector, label: string): Vector {
  const recipientSecret = decodeBase64url(vector.recipient_secret_key)!;
  const ephemeralSecretKey = decodeBase64url(vector.ephemeral_secret_key)!;
  const nonce = decodeBase64url(vector.nonce)!;
  const plaintext = decodeBase64url(vector.plaintext_b64u)!;
  const binding = bindingFor(vector.direction, vector.meta);
  const recipientPublic = x25519.getPublicKey(recipientSecret);
  if (encodeBase64url(refPublicKey(recipientSecret)) !== encodeBase64url(recipientPublic)) {
    throw new Error(`${label}: noble and node:crypto disagree on the recipient public key`);
  }

  const noble = sealEnvelope(vector.direction, recipientPublic, binding, plaintext, { ephemeralSecretKey, nonce }).envelope;
  const reference = refSeal(vector.direction, refPublicKey(recipientSecret), binding, plaintext, { ephemeralSecretKey, nonce }).envelope;
  if (JSON.stringify(noble) !== JSON.stringify(reference)) throw new Error(`${label}: noble and node:crypto seal differently`);
  if (JSON.stringify(vector.envelope) !== JSON.stringify(noble)) throw new Error(`${label}: envelope is not what noble seals`);

  const openedByReference = refOpen(vector.direction, refDecodeBase64url(vector.recipient_secret_key), vector.envelope, binding);
  const openedByNoble = openEnvelope(vector.direction, recipientSecret, vector.envelope, binding);
  if (!isDeepStrictEqual(Buffer.from(openedByReference), Buffer.from(plaintext)))
    throw new Error(`${label}: node:crypto opens to other bytes`);
  if (!isDeepStrictEqual(Buffer.from(openedByNoble), Buffer.from(plaintext))) throw new Error(`${label}: noble opens to other bytes`);
  const check = checkEnvelope(vector.envelope, vector.direction, binding);
  if (!check.ok) throw new Error(`${label}: checkEnvelope refuses it: ${check.reason}`);
  return vector;
}

function generate(): Vector[] {
  const ephemeralByLabel = new Map<string, Uint8Array>();
  const vectors = SPEC_VECTORS.map((spec, index) => crossChecked(toVectorItem(spec), `spec vector ${index}`));
  for (const own of OWN) {
    const ephemeralSecretKey = labelled(`${own.label} ephemeral secret key`);
    ephemeralByLabel.set(own.label, ephemeralSecretKey);
    let recipientSecret: Uint8Array;
    if (own.direction === 'request') {
      recipientSecret = labelled(`${own.recipient} node secret key`);
    } else {
      // A response is opened with the ephemeral secret of the request it answers.
      const requestSecret = ephemeralByLabel.get(own.recipient);
      if (requestSecret === undefined) throw new Error(`${own.label}: request "${own.recipient}" must come first`);
      recipientSecret = requestSecret;
    }
    const nonce = labelled(`${own.label} nonce`, 12);
    const sealed = sealEnvelope(own.direction, x25519.getPublicKey(recipientSecret), bindingFor(own.direction, own.meta), own.plaintext, {
      ephemeralSecretKey,
      nonce,
    });
    const vector: Vector = {
      direction: own.direction,
      recipient_secret_key: encodeBase64url(recipientSecret),
      ephemeral_secret_key: encodeBase64url(ephemeralSecretKey),
      nonce: encodeBase64url(nonce),
      meta: { ...own.meta },
      plaintext_b64u: encodeBase64url(own.plaintext),
      envelope: sealed.envelope,
    };
    vectors.push(crossChecked(vector, own.label));
  }
  return vectors;
}

const vectors = generate();
const text = `${JSON.stringify(vectors, null, 1)}\n`;
writeFileSync(OUTPUT, text);
console.log(`wrote ${vectors.length} vectors (${text.length} bytes), each cross-checked with node:crypto, to ${OUTPUT.pathname}`);
