import { type Envelope, encodeBase64url, MAX_CIPHERTEXT_BYTES, sealEnvelope } from '@b3iq/protocol';
import { x25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type JobRequest, jobRequestFingerprint, parseJobRequest } from '../../../lambdas/domain/job-request.js';
import type { ProblemCode } from '../../../lambdas/domain/problems.js';
import { problemOf } from '../support/problem.js';

const NODE_ID = 'node-alpha';
const MODEL_ID = 'meta/llama-3.1-8b';
const NODE_PUBLIC_KEY = x25519.getPublicKey(x25519.utils.randomSecretKey());

function envelope(): Envelope {
  const binding = { key_id: 'tk-1', node_id: NODE_ID, model_id: MODEL_ID };
  return sealEnvelope('request', NODE_PUBLIC_KEY, binding, new TextEncoder().encode('{"messages":[]}')).envelope;
}

function validBody(): Record<string, unknown> {
  return { job_id: 'job-1', node_id: NODE_ID, model_id: MODEL_ID, max_price_wei: '1000', encrypted_request: envelope() };
}

type BodyChange = (body: Record<string, unknown>) => unknown;

function omit(field: string): BodyChange {
  return (body) => {
    delete body[field];
    return body;
  };
}

function put(field: string, value: unknown): BodyChange {
  return (body) => ({ ...body, [field]: value });
}

function putEnvelope(field: string, value: unknown): BodyChange {
  return (body) => ({ ...body, encrypted_request: { ...(body.encrypted_request as Envelope), [field]: value } });
}

describe('parseJobRequest', () => {
  it('parses a valid body with a bigint max_price_wei (valid)', () => {
    // Prepare
    const body = validBody();

    // Act
    const request = parseJobRequest(body);

    // Assess
    expect(request).toEqual({ ...body, max_price_wei: 1000n });
    expect(typeof request.max_price_wei).toBe('bigint');
  });

  it('leaves out job_id and max_price_wei when they are absent (optional fields)', () => {
    // Prepare
    const { job_id: _job, max_price_wei: _max, ...body } = validBody();

    // Act
    const request = parseJobRequest(body);

    // Assess
    expect(request).toEqual(body);
    expect('job_id' in request).toBe(false);
    expect('max_price_wei' in request).toBe(false);
  });

  it('accepts "0" as a max_price_wei ceiling (zero ceiling)', () => {
    expect(parseJobRequest({ ...validBody(), max_price_wei: '0' }).max_price_wei).toBe(0n);
  });

  it.each<{ case: string; change: BodyChange; code: ProblemCode; status: number }>([
    { case: 'body null', change: () => null, code: 'invalid_request', status: 400 },
    { case: 'body array', change: (body) => [body], code: 'invalid_request', status: 400 },
    { case: 'body string', change: () => 'job', code: 'invalid_request', status: 400 },
    { case: 'unknown top-level field', change: put('customer_id', 'acme'), code: 'invalid_request', status: 400 },
    { case: 'encrypted_request missing', change: omit('encrypted_request'), code: 'invalid_request', status: 400 },
    { case: 'node_id missing', change: omit('node_id'), code: 'invalid_request', status: 400 },
    { case: 'model_id missing', change: omit('model_id'), code: 'invalid_request', status: 400 },
    { case: 'job_id bad', change: put('job_id', '-job'), code: 'invalid_request', status: 400 },
    { case: 'job_id of 129 chars', change: put('job_id', `j${'1'.repeat(128)}`), code: 'invalid_request', status: 400 },
    { case: 'job_id number', change: put('job_id', 1), code: 'invalid_request', status: 400 },
    { case: 'job_id null', change: put('job_id', null), code: 'invalid_request', status: 400 },
    { case: 'node_id with .', change: put('node_id', 'node.alpha'), code: 'invalid_request', status: 400 },
    { case: 'node_id number', change: put('node_id', 5), code: 'invalid_request', status: 400 },
    { case: 'model_id bad', change: put('model_id', '/llama'), code: 'invalid_request', status: 400 },
    { case: 'max_price_wei number', change: put('max_price_wei', 1000), code: 'invalid_request', status: 400 },
    { case: 'max_price_wei negative', change: put('max_price_wei', '-1'), code: 'invalid_request', status: 400 },
    { case: 'max_price_wei leading zero', change: put('max_price_wei', '01'), code: 'invalid_request', status: 400 },
    { case: 'max_price_wei 39 digits', change: put('max_price_wei', `1${'0'.repeat(38)}`), code: 'invalid_request', status: 400 },
    { case: 'max_price_wei null', change: put('max_price_wei', null), code: 'invalid_request', status: 400 },
    {
      case: 'bad node_id and bad envelope: body wins',
      change: (body) => ({ ...body, node_id: '', encrypted_request: 'x' }),
      code: 'invalid_request',
      status: 400,
    },
    { case: 'encrypted_request null', change: put('encrypted_request', null), code: 'invalid_encrypted_request', status: 400 },
    { case: 'encrypted_request string', change: put('encrypted_request', 'sealed'), code: 'invalid_encrypted_request', status: 400 },
    { case: 'envelope unknown field', change: putEnvelope('extra', 'x'), code: 'invalid_encrypted_request', status: 400 },
    { case: 'envelope version wrong', change: putEnvelope('version', 'v2'), code: 'invalid_encrypted_request', status: 400 },
    { case: 'envelope key_id bad', change: putEnvelope('key_id', ''), code: 'invalid_encrypted_request', status: 400 },
    {
      case: 'envelope nonce 11 bytes',
      change: putEnvelope('nonce', encodeBase64url(new Uint8Array(11))),
      code: 'invalid_encrypted_request',
      status: 400,
    },
    { case: 'envelope sealed for another model', change: put('model_id', 'mistral-7b'), code: 'invalid_encrypted_request', status: 400 },
    { case: 'envelope sealed for another node', change: put('node_id', 'node-beta'), code: 'invalid_encrypted_request', status: 400 },
    {
      case: 'envelope ciphertext over 512 KiB',
      change: putEnvelope('ciphertext', encodeBase64url(new Uint8Array(MAX_CIPHERTEXT_BYTES + 1))),
      code: 'payload_too_large',
      status: 413,
    },
  ])('throws a Problem for an invalid body ($case)', ({ change, code, status }) => {
    // Prepare
    const body = change(validBody());

    // Act
    const problem = problemOf(() => parseJobRequest(body));

    // Assess
    expect(problem.code).toBe(code);
    expect(problem.status).toBe(status);
  });
});

const ENVELOPE_FIELDS = ['version', 'key_id', 'algorithm', 'client_public_key_x25519', 'nonce', 'ciphertext', 'aad_hash'] as const;

describe('jobRequestFingerprint', () => {
  it('is the same for reordered envelope keys (key order)', () => {
    // Prepare
    const request = parseJobRequest(validBody());
    const reordered: JobRequest = {
      ...request,
      encrypted_request: Object.fromEntries(Object.entries(request.encrypted_request).reverse()) as unknown as Envelope,
    };

    // Act
    const fingerprints = [jobRequestFingerprint(request), jobRequestFingerprint(reordered)];

    // Assess
    expect(Object.keys(reordered.encrypted_request)).not.toEqual(Object.keys(request.encrypted_request));
    expect(fingerprints[1]).toBe(fingerprints[0]);
  });

  it('is the same for the same JSON parsed with other whitespace (whitespace)', () => {
    // Prepare
    const body = validBody();
    const compact = parseJobRequest(JSON.parse(JSON.stringify(body)));
    const spaced = parseJobRequest(JSON.parse(JSON.stringify(body, null, 3)));

    // Act / Assess
    expect(jobRequestFingerprint(spaced)).toBe(jobRequestFingerprint(compact));
  });

  it.each([
    { case: 'absent vs "0"', other: '0' },
    { case: 'absent vs "1000"', other: '1000' },
  ])('differs when max_price_wei is absent vs present ($case)', ({ other }) => {
    // Prepare
    const { max_price_wei: _max, ...absentBody } = validBody();
    const absent = parseJobRequest(absentBody);
    const present = parseJobRequest({ ...absentBody, max_price_wei: other });

    // Act / Assess
    expect(jobRequestFingerprint(present)).not.toBe(jobRequestFingerprint(absent));
  });

  it.each([
    { case: 'node_id', change: { node_id: 'node-beta' } },
    { case: 'model_id', change: { model_id: 'mistral-7b' } },
    { case: 'max_price_wei', change: { max_price_wei: 1001n } },
  ])('differs when a routing field changes ($case)', ({ change }) => {
    // Prepare
    const request = parseJobRequest(validBody());

    // Act / Assess
    expect(jobRequestFingerprint({ ...request, ...change })).not.toBe(jobRequestFingerprint(request));
  });

  it('ignores job_id, which is the key it is stored under (job_id)', () => {
    // Prepare
    const request = parseJobRequest(validBody());

    // Act / Assess
    expect(jobRequestFingerprint({ ...request, job_id: 'job-2' })).toBe(jobRequestFingerprint(request));
  });

  it('differs when any envelope field changes or disappears (property)', () => {
    const request = parseJobRequest(validBody());
    const base = jobRequestFingerprint(request);
    fc.assert(
      fc.property(fc.constantFrom(...ENVELOPE_FIELDS), fc.option(fc.string({ maxLength: 60 }), { nil: undefined }), (field, value) => {
        // Prepare
        fc.pre(value !== request.encrypted_request[field]);
        const changed = { ...request.encrypted_request } as Record<string, unknown>;
        if (value === undefined) delete changed[field];
        else changed[field] = value;

        // Act
        const fingerprint = jobRequestFingerprint({ ...request, encrypted_request: changed as unknown as Envelope });

        // Assess
        expect(fingerprint).not.toBe(base);
      }),
    );
  });
});
