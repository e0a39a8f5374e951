import type { Direction } from '@b3iq/protocol';
import { openEnvelope, sealEnvelope } from '@b3iq/protocol';
import { x25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { refDecodeBase64url, refOpen, refPublicKey, refSeal } from './reference-openssl.js';

const RUNS = 200;
const TIMEOUT_MS = 60_000;

/** The id patterns of the HTTP contract, written out again so a changed source pattern does not go unnoticed. */
const meta = fc.record({
  key_id: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/),
  node_id: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/),
  model_id: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/),
  job_id: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/),
});
const secretKey = fc.uint8Array({ minLength: 32, maxLength: 32 });
const nonce = fc.uint8Array({ minLength: 12, maxLength: 12 });
const encoder = new TextEncoder();
const plaintext = fc.oneof(
  fc.uint8Array({ maxLength: 4096 }),
  fc.string({ unit: 'binary', maxLength: 512 }).map((text) => encoder.encode(text)),
  fc.string({ unit: 'grapheme', maxLength: 256 }).map((text) => encoder.encode(text)),
);
const direction = fc.constantFrom<Direction>('request', 'response');

const exchange = fc.record({ direction, recipientSecret: secretKey, ephemeralSecret: secretKey, nonce, meta, plaintext });

function bindingFor(dir: Direction, ids: { key_id: string; node_id: string; model_id: string; job_id: string }) {
  return dir === 'request' ? { key_id: ids.key_id, node_id: ids.node_id, model_id: ids.model_id } : ids;
}

describe('noble and node:crypto (OpenSSL) implementations', () => {
  it(
    'agree on the public key of any 32-byte secret (public key)',
    () => {
      fc.assert(
        fc.property(secretKey, (secret) => {
          expect(refPublicKey(secret)).toEqual(x25519.getPublicKey(secret));
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'opens with node:crypto what noble seals (noble → reference)',
    () => {
      fc.assert(
        fc.property(exchange, (sample) => {
          // Prepare
          const binding = bindingFor(sample.direction, sample.meta);
          const sealed = sealEnvelope(sample.direction, x25519.getPublicKey(sample.recipientSecret), binding, sample.plaintext);

          // Act
          const opened = refOpen(sample.direction, sample.recipientSecret, sealed.envelope, binding);

          // Assess
          expect(opened).toEqual(sample.plaintext);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'opens with noble what node:crypto seals (reference → noble)',
    () => {
      fc.assert(
        fc.property(exchange, (sample) => {
          // Prepare
          const binding = bindingFor(sample.direction, sample.meta);
          const sealed = refSeal(sample.direction, refPublicKey(sample.recipientSecret), binding, sample.plaintext);

          // Act
          const opened = openEnvelope(sample.direction, sample.recipientSecret, sealed.envelope, binding);

          // Assess
          expect(opened).toEqual(sample.plaintext);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'seal to the identical envelope given the same ephemeral key and nonce (same envelope)',
    () => {
      fc.assert(
        fc.property(exchange, (sample) => {
          // Prepare
          const binding = bindingFor(sample.direction, sample.meta);
          const options = { ephemeralSecretKey: sample.ephemeralSecret, nonce: sample.nonce };

          // Act
          const noble = sealEnvelope(sample.direction, x25519.getPublicKey(sample.recipientSecret), binding, sample.plaintext, options);
          const reference = refSeal(sample.direction, refPublicKey(sample.recipientSecret), binding, sample.plaintext, options);

          // Assess
          expect(JSON.stringify(noble.envelope)).toBe(JSON.stringify(reference.envelope));
          expect(refDecodeBase64url(reference.envelope.ciphertext)).toHaveLength(sample.plaintext.length + 16);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'both refuse an envelope opened under another binding (binding)',
    () => {
      fc.assert(
        fc.property(exchange, meta, (sample, other) => {
          // Prepare
          const binding = bindingFor(sample.direction, sample.meta);
          const otherBinding = bindingFor(sample.direction, { ...other, key_id: sample.meta.key_id });
          fc.pre(JSON.stringify(otherBinding) !== JSON.stringify(binding));
          const { aad_hash: _hash, ...envelope } = sealEnvelope(
            sample.direction,
            x25519.getPublicKey(sample.recipientSecret),
            binding,
            sample.plaintext,
          ).envelope;

          // Act
          const nobleOpen = () => openEnvelope(sample.direction, sample.recipientSecret, envelope, otherBinding);
          const referenceOpen = () => refOpen(sample.direction, sample.recipientSecret, envelope, otherBinding);

          // Assess
          expect(nobleOpen).toThrow();
          expect(referenceOpen).toThrow();
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );
});
