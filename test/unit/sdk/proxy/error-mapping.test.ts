import { B3iqApiError, B3iqUnavailableError } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';
import {
  B3iqDecryptError,
  B3iqKeyChangedError,
  B3iqKeyTrustError,
  B3iqReceiptError,
  B3iqTimeoutError,
} from '../../../../packages/sdk/src/errors.js';
import { jobEndedError, nodeAnswerError, toOpenAiError } from '../../../../packages/sdk/src/proxy/error-mapping.js';

describe('toOpenAiError', () => {
  it.each([
    {
      thrown: new B3iqApiError(400, 'invalid_request', 'Invalid request', 'bad'),
      status: 400,
      type: 'invalid_request_error',
      code: 'invalid_request',
    },
    {
      thrown: new B3iqApiError(401, 'unauthorized', 'Unauthorized', 'no'),
      status: 401,
      type: 'authentication_error',
      code: 'unauthorized',
    },
    {
      thrown: new B3iqApiError(402, 'insufficient_balance', 'Insufficient balance', 'low'),
      status: 402,
      type: 'insufficient_quota',
      code: 'insufficient_balance',
    },
    { thrown: new B3iqApiError(403, 'forbidden', 'Forbidden', 'no'), status: 403, type: 'permission_error', code: 'forbidden' },
    {
      thrown: new B3iqApiError(404, 'model_not_served', 'Model not served', 'm'),
      status: 404,
      type: 'not_found_error',
      code: 'model_not_served',
    },
    {
      thrown: new B3iqApiError(404, 'node_not_found', 'Node not found', 'n'),
      status: 404,
      type: 'not_found_error',
      code: 'node_not_found',
    },
    {
      thrown: new B3iqApiError(409, 'stale_transport_key', 'Stale transport key', 'k'),
      status: 409,
      type: 'conflict_error',
      code: 'stale_transport_key',
    },
    {
      thrown: new B3iqApiError(413, 'payload_too_large', 'Payload too large', 'big'),
      status: 413,
      type: 'invalid_request_error',
      code: 'payload_too_large',
    },
    { thrown: new B3iqApiError(429, 'rate_limited', 'Rate limited', 'slow'), status: 429, type: 'rate_limit_error', code: 'rate_limited' },
    { thrown: new B3iqApiError(500, 'internal_error', 'Internal error', 'oops'), status: 500, type: 'api_error', code: 'internal_error' },
    { thrown: new B3iqReceiptError('forged'), status: 502, type: 'api_error', code: 'receipt_not_verified' },
    {
      thrown: new B3iqKeyChangedError({ kind: 'node', apiUrl: 'https://api', nodeId: 'node-a' }, 'SHA256:aa', 'SHA256:bb'),
      status: 502,
      type: 'api_error',
      code: 'key_changed',
    },
    { thrown: new B3iqKeyTrustError('no key'), status: 502, type: 'api_error', code: 'key_not_trusted' },
    { thrown: new B3iqDecryptError('does not open'), status: 502, type: 'api_error', code: 'answer_not_opened' },
    { thrown: new B3iqUnavailableError('down'), status: 503, type: 'api_error', code: 'api_unavailable' },
    { thrown: new B3iqTimeoutError('job-1', 1000), status: 504, type: 'api_error', code: 'job_timeout' },
  ])('answers $thrown.name $code with $status $type', ({ thrown, status, type, code }) => {
    const mapped = toOpenAiError(thrown);

    expect(mapped.status).toBe(status);
    expect(mapped.toBody()).toEqual({
      error: {
        message: thrown.message + (code === 'key_changed' ? ' To accept it: b3iq trust accept --node node-a' : ''),
        type,
        param: null,
        code,
      },
    });
  });

  it('keeps the API message (its detail) and never the text of an unexpected error', () => {
    const mapped = toOpenAiError(new Error('token tok_secret leaked into an exception'));

    expect(mapped.status).toBe(500);
    expect(JSON.stringify(mapped.toBody())).not.toContain('tok_secret');
  });
});

describe('a job without an answer', () => {
  it.each([
    { status: 'failed', http: 502, code: 'job_failed' },
    { status: 'expired', http: 504, code: 'job_expired' },
    { status: 'cancelled', http: 409, code: 'job_cancelled' },
  ] as const)('answers a $status job with $http $code', ({ status, http, code }) => {
    const mapped = jobEndedError({ job_id: 'job-1', status });

    expect(mapped.status).toBe(http);
    expect(mapped.code).toBe(code);
    expect(mapped.message).toContain('job-1');
  });

  it('passes a node error answer on as 502 with the node code', () => {
    const mapped = nodeAnswerError('job-1', { code: 'backend_unavailable', message: 'the model server is down' });

    expect(mapped.toBody()).toEqual({
      error: {
        type: 'api_error',
        param: null,
        code: 'backend_unavailable',
        message: 'the node could not answer job job-1: the model server is down',
      },
    });
    expect(mapped.status).toBe(502);
  });
});
