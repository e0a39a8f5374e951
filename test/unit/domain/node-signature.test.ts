import { createHash } from 'node:crypto';
import {
  decodeBase64url,
  encodeBase64url,
  NODE_HEADERS,
  NODE_SIGNATURE_VERSION,
  type NodeRequestParts,
  nodeSignatureProblem,
  nodeSigningBytes,
  REPLAY_WINDOW_SECONDS,
  signNodeRequest,
} from '@b3iq/protocol';
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flipBit, zip215OnlySignature } from '../support/ed25519.js';

const SECRET_KEY = new Uint8Array(32).fill(1);
const PUBLIC_KEY = encodeBase64url(ed25519.getPublicKey(SECRET_KEY));
const OTHER_PUBLIC_KEY = encodeBase64url(ed25519.getPublicKey(new Uint8Array(32).fill(2)));
/** 2026-01-02T03:04:05Z, on a whole second so the window's edges are exact. */
const NOW_MS = 1_767_323_045_000;
const PULL = { method: 'POST', path: '/v1/nodes/node-a/commands/pull', body: '{"max_commands":1}' };

const BAD_TIMESTAMP = 'X-B3IQ-Timestamp must be unix seconds';
const STALE_TIMESTAMP = `X-B3IQ-Timestamp is more than 300 s from the control plane's clock`;
const BAD_NONCE = 'X-B3IQ-Nonce must be 16 to 64 base64url characters';
const NOT_A_SIGNATURE = 'X-B3IQ-Signature is not an Ed25519 signature';
const DOES_NOT_VERIFY = 'the signature does not verify';

/** A request signed with SECRET_KEY, as the control plane reads it back. */
function signed(request = PULL, nowMs = NOW_MS): { parts: NodeRequestParts; signature: string } {
  const headers = signNodeRequest(SECRET_KEY, 'node-a', request, nowMs);
  return {
    parts: { ...request, timestamp: headers['X-B3IQ-Timestamp']!, nonce: headers['X-B3IQ-Nonce']! },
    signature: headers['X-B3IQ-Signature']!,
  };
}

/** Parts signed directly over `nodeSigningBytes`, for nonces and timestamps `signNodeRequest` never makes. */
function signedParts(overrides: Partial<NodeRequestParts>): { parts: NodeRequestParts; signature: string } {
  const parts = { ...PULL, timestamp: String(NOW_MS / 1000), nonce: 'AAAAAAAAAAAAAAAAAAAAAA', ...overrides };
  return { parts, signature: encodeBase64url(ed25519.sign(nodeSigningBytes(parts), SECRET_KEY)) };
}

describe('nodeSigningBytes', () => {
  it('is the six lines joined by "\\n" with the body as base64url SHA-256 (pinned)', () => {
    // Prepare
    const parts = {
      method: 'post',
      path: '/v1/nodes/node-a/commands/pull',
      timestamp: '1767323045',
      nonce: 'AAAAAAAAAAAAAAAAAAAAAA',
      body: '{"max_commands":1}',
    };

    // Act
    const text = new TextDecoder().decode(nodeSigningBytes(parts));

    // Assess
    expect(text).toBe(
      'b3iq-node-signature-v1\nPOST\n/v1/nodes/node-a/commands/pull\n1767323045\nAAAAAAAAAAAAAAAAAAAAAA\nGG9T_tOsy9e6IR5SB4crH4XBySo6rxeyG8fZt0XFEBs',
    );
  });

  it('hashes an empty body as the SHA-256 of no bytes, with no trailing newline (empty body)', () => {
    // Act
    const text = new TextDecoder().decode(nodeSigningBytes({ method: 'GET', path: '/', timestamp: '0', nonce: 'n', body: '' }));

    // Assess
    expect(text.split('\n')).toEqual([NODE_SIGNATURE_VERSION, 'GET', '/', '0', 'n', '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU']);
  });

  it('hashes the body as UTF-8 (non-ASCII body)', () => {
    // Prepare
    const body = '{"prompt":"héllo ✓"}';

    // Act
    const lastLine = new TextDecoder().decode(nodeSigningBytes({ ...PULL, timestamp: '1', nonce: 'n', body })).split('\n')[5];

    // Assess
    expect(lastLine).toBe(createHash('sha256').update(body, 'utf8').digest('base64url'));
  });
});

describe('signNodeRequest', () => {
  it('returns exactly the four headers the control plane reads (headers)', () => {
    // Act
    const headers = signNodeRequest(SECRET_KEY, 'node-a', PULL, NOW_MS + 999);

    // Assess
    expect(
      Object.keys(headers)
        .map((name) => name.toLowerCase())
        .sort(),
    ).toEqual(Object.values(NODE_HEADERS).sort());
    expect(headers['X-B3IQ-Node-ID']).toBe('node-a');
    expect(headers['X-B3IQ-Timestamp']).toBe('1767323045');
    expect(headers['X-B3IQ-Nonce']).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(decodeBase64url(headers['X-B3IQ-Signature']!)).toHaveLength(64);
  });

  it('signs exactly the signing bytes of the request (signature)', () => {
    // Prepare
    const { parts, signature } = signed();

    // Act
    const valid = ed25519.verify(decodeBase64url(signature)!, nodeSigningBytes(parts), ed25519.getPublicKey(SECRET_KEY));

    // Assess
    expect(valid).toBe(true);
  });

  it('uses a fresh nonce for every request (nonce)', () => {
    const nonces = new Set(Array.from({ length: 50 }, () => signNodeRequest(SECRET_KEY, 'node-a', PULL, NOW_MS)['X-B3IQ-Nonce']));
    expect(nonces.size).toBe(50);
  });
});

describe('nodeSignatureProblem', () => {
  it('accepts a request signed by signNodeRequest (valid)', () => {
    // Prepare
    const { parts, signature } = signed();

    // Act
    const problem = nodeSignatureProblem(PUBLIC_KEY, parts, signature, NOW_MS);

    // Assess
    expect(problem).toBeUndefined();
  });

  it('accepts the method in any case, as it signs it upper-cased (method case)', () => {
    // Prepare
    const { parts, signature } = signed({ ...PULL, method: 'post' });

    // Act
    const problem = nodeSignatureProblem(PUBLIC_KEY, { ...parts, method: 'POST' }, signature, NOW_MS);

    // Assess
    expect(problem).toBeUndefined();
  });

  it.each<{
    case: string;
    tamper: (request: { parts: NodeRequestParts; signature: string }) => { parts: NodeRequestParts; signature: string; key?: string };
  }>([
    { case: 'method', tamper: ({ parts, signature }) => ({ parts: { ...parts, method: 'PUT' }, signature }) },
    { case: 'path', tamper: ({ parts, signature }) => ({ parts: { ...parts, path: '/v1/nodes/node-b/commands/pull' }, signature }) },
    { case: 'path with a trailing slash', tamper: ({ parts, signature }) => ({ parts: { ...parts, path: `${parts.path}/` }, signature }) },
    { case: 'body', tamper: ({ parts, signature }) => ({ parts: { ...parts, body: '{"max_commands":10}' }, signature }) },
    { case: 'body with added whitespace', tamper: ({ parts, signature }) => ({ parts: { ...parts, body: `${parts.body} ` }, signature }) },
    { case: 'empty body', tamper: ({ parts, signature }) => ({ parts: { ...parts, body: '' }, signature }) },
    {
      case: 'timestamp one second later',
      tamper: ({ parts, signature }) => ({ parts: { ...parts, timestamp: String(Number(parts.timestamp) + 1) }, signature }),
    },
    {
      case: 'timestamp with a leading zero',
      tamper: ({ parts, signature }) => ({ parts: { ...parts, timestamp: `0${parts.timestamp}` }, signature }),
    },
    { case: 'nonce', tamper: ({ parts, signature }) => ({ parts: { ...parts, nonce: 'BBBBBBBBBBBBBBBBBBBBBB' }, signature }) },
    {
      case: 'signature bit flip in R',
      tamper: ({ parts, signature }) => ({ parts, signature: encodeBase64url(flipBit(decodeBase64url(signature)!, 0)) }),
    },
    {
      case: 'signature bit flip in S',
      tamper: ({ parts, signature }) => ({ parts, signature: encodeBase64url(flipBit(decodeBase64url(signature)!, 32)) }),
    },
    { case: "another node's key", tamper: ({ parts, signature }) => ({ parts, signature, key: OTHER_PUBLIC_KEY }) },
  ])('refuses a request changed after signing ($case)', ({ tamper }) => {
    // Prepare
    const { parts, signature, key = PUBLIC_KEY } = tamper(signed());

    // Act
    const problem = nodeSignatureProblem(key, parts, signature, NOW_MS);

    // Assess
    expect(problem).toBe(DOES_NOT_VERIFY);
  });

  it.each([
    { case: '300 s behind', offsetMs: -300_000 },
    { case: '300 s ahead', offsetMs: 300_000 },
    { case: 'same second', offsetMs: 0 },
    { case: 'clock 999 ms into the second', offsetMs: 999 },
  ])('accepts a timestamp within the replay window ($case)', ({ offsetMs }) => {
    // Prepare
    const { parts, signature } = signed();

    // Act
    const problem = nodeSignatureProblem(PUBLIC_KEY, parts, signature, NOW_MS + offsetMs);

    // Assess
    expect(problem).toBeUndefined();
  });

  it.each([
    { case: '301 s behind', offsetMs: -301_000 },
    { case: '301 s ahead', offsetMs: 301_000 },
    { case: '300.001 s ahead', offsetMs: 300_001 },
    { case: 'an hour behind', offsetMs: -3_600_000 },
  ])('refuses a timestamp outside the replay window ($case)', ({ offsetMs }) => {
    // Prepare
    const { parts, signature } = signed();

    // Act
    const problem = nodeSignatureProblem(PUBLIC_KEY, parts, signature, NOW_MS + offsetMs);

    // Assess
    expect(REPLAY_WINDOW_SECONDS).toBe(300);
    expect(problem).toBe(STALE_TIMESTAMP);
  });

  it.each([
    { case: 'nonce of 16 characters', nonce: 'A'.repeat(16) },
    { case: 'nonce of 64 characters', nonce: '-_'.repeat(32) },
  ])('accepts a nonce at the length limits ($case)', ({ nonce }) => {
    // Prepare
    const { parts, signature } = signedParts({ nonce });

    // Act
    const problem = nodeSignatureProblem(PUBLIC_KEY, parts, signature, NOW_MS);

    // Assess
    expect(problem).toBeUndefined();
  });

  it.each<{ case: string; parts?: Partial<NodeRequestParts>; signature?: string | undefined; key?: string; reason: string | RegExp }>([
    { case: 'empty timestamp', parts: { timestamp: '' }, reason: BAD_TIMESTAMP },
    { case: 'non-numeric timestamp', parts: { timestamp: 'yesterday' }, reason: BAD_TIMESTAMP },
    { case: 'negative timestamp', parts: { timestamp: '-1767323045' }, reason: BAD_TIMESTAMP },
    { case: 'fractional timestamp', parts: { timestamp: '1767323045.5' }, reason: BAD_TIMESTAMP },
    { case: 'timestamp with whitespace', parts: { timestamp: ' 1767323045' }, reason: BAD_TIMESTAMP },
    { case: 'timestamp in exponent form', parts: { timestamp: '1.767e9' }, reason: BAD_TIMESTAMP },
    { case: 'timestamp of 13 digits (milliseconds)', parts: { timestamp: String(NOW_MS) }, reason: BAD_TIMESTAMP },
    { case: 'nonce of 15 characters', parts: { nonce: 'A'.repeat(15) }, reason: BAD_NONCE },
    { case: 'nonce of 65 characters', parts: { nonce: 'A'.repeat(65) }, reason: BAD_NONCE },
    { case: 'empty nonce', parts: { nonce: '' }, reason: BAD_NONCE },
    { case: 'nonce with +', parts: { nonce: `${'A'.repeat(20)}+` }, reason: BAD_NONCE },
    { case: 'nonce with padding', parts: { nonce: `${'A'.repeat(20)}==` }, reason: BAD_NONCE },
    { case: 'nonce with a newline', parts: { nonce: `${'A'.repeat(10)}\n${'A'.repeat(10)}` }, reason: BAD_NONCE },
    { case: 'missing signature', signature: undefined, reason: NOT_A_SIGNATURE },
    { case: 'empty signature', signature: '', reason: NOT_A_SIGNATURE },
    { case: 'signature of 63 bytes', signature: encodeBase64url(new Uint8Array(63).fill(1)), reason: NOT_A_SIGNATURE },
    { case: 'signature of 65 bytes', signature: encodeBase64url(new Uint8Array(65).fill(1)), reason: NOT_A_SIGNATURE },
    { case: 'signature not base64url', signature: 'not a signature!', reason: NOT_A_SIGNATURE },
    { case: 'signature in standard base64 with padding', signature: Buffer.alloc(64, 0xfb).toString('base64'), reason: NOT_A_SIGNATURE },
    { case: 'all-zero signature', signature: encodeBase64url(new Uint8Array(64)), reason: DOES_NOT_VERIFY },
    { case: 'public key not base64url', key: 'not a key!', reason: /./ },
    { case: 'empty public key', key: '', reason: /./ },
    { case: 'public key of 31 bytes', key: encodeBase64url(new Uint8Array(31).fill(3)), reason: /./ },
    { case: 'public key of 33 bytes', key: encodeBase64url(new Uint8Array(33).fill(3)), reason: /./ },
    {
      case: 'public key not on the curve',
      key: encodeBase64url(Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 2 : 0))),
      reason: /./,
    },
    {
      case: 'small-order public key (identity)',
      key: encodeBase64url(Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0))),
      reason: /./,
    },
  ])('returns a reason instead of throwing for a malformed request ($case)', ({ parts = {}, key = PUBLIC_KEY, reason, ...rest }) => {
    // Prepare
    const request = signed();
    const signature = 'signature' in rest ? rest.signature : request.signature;

    // Act
    const problem = nodeSignatureProblem(key, { ...request.parts, ...parts }, signature, NOW_MS);

    // Assess
    expect(problem).toEqual(expect.any(String));
    expect(problem).toMatch(reason);
  });

  it('refuses a signature that only ZIP-215 rules accept (non-canonical R)', () => {
    // Prepare
    const parts = { ...PULL, timestamp: String(NOW_MS / 1000), nonce: 'AAAAAAAAAAAAAAAAAAAAAA' };
    const signature = zip215OnlySignature(SECRET_KEY, nodeSigningBytes(parts));

    // Act
    const problem = nodeSignatureProblem(PUBLIC_KEY, parts, encodeBase64url(signature), NOW_MS);

    // Assess
    expect(ed25519.verify(signature, nodeSigningBytes(parts), ed25519.getPublicKey(SECRET_KEY), { zip215: true })).toBe(true);
    expect(problem).toBe(DOES_NOT_VERIFY);
  });

  it('verifies any signed path and body and refuses them once the body changes (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('GET', 'POST', 'put', 'Delete'),
        fc.webPath(),
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.integer({ min: -REPLAY_WINDOW_SECONDS * 1000, max: REPLAY_WINDOW_SECONDS * 1000 }),
        (method, path, body, skewMs) => {
          // Prepare
          const { parts, signature } = signed({ method, path, body });

          // Act
          const problem = nodeSignatureProblem(PUBLIC_KEY, parts, signature, NOW_MS + skewMs);
          const changed = nodeSignatureProblem(PUBLIC_KEY, { ...parts, body: `${body}.` }, signature, NOW_MS + skewMs);

          // Assess
          expect(problem).toBeUndefined();
          expect(changed).toBe(DOES_NOT_VERIFY);
        },
      ),
    );
    // 100 runs of three Ed25519 operations each: about a second alone, several on a loaded CI machine.
  }, 60_000);
});
