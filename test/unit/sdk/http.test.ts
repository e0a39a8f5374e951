/** Retries against a scripted fetch: no AWS client is involved, only HTTP answers the SDK must handle. */

import { B3iqApiError, B3iqUnavailableError, requestJson } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';

function scripted(answers: (Response | Error)[]) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const fetch = (async (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    const next = answers.shift() ?? new Error('no more answers');
    if (next instanceof Error) throw next;
    return next;
  }) as typeof globalThis.fetch;
  return {
    calls,
    options: {
      apiUrl: 'https://api.example',
      headers: { 'X-B3IQ-Customer-ID': 'c' },
      retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
      fetch,
    },
  };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });

describe('requestJson', () => {
  it('retries network errors and 5xx with the same request, then returns the answer', async () => {
    // Prepare
    const { calls, options } = scripted([new TypeError('fetch failed'), json(503, {}), json(202, { ok: true })]);

    // Act
    const answer = await requestJson(options, 'POST', '/v1/jobs', { job_id: 'j-1' });

    // Assess
    expect(answer).toEqual({ ok: true });
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((call) => call.init?.body))).toEqual(new Set(['{"job_id":"j-1"}']));
    expect(calls[0]?.init?.headers).toMatchObject({ 'X-B3IQ-Customer-ID': 'c', 'Content-Type': 'application/json' });
  });

  it('throws the problem of a 4xx at once, without retrying', async () => {
    const { calls, options } = scripted([
      json(402, { error: { status: 402, title: 'Insufficient balance', detail: 'short', code: 'insufficient_balance' } }),
    ]);

    const failure = requestJson(options, 'GET', '/v1/billing/account');

    await expect(failure).rejects.toBeInstanceOf(B3iqApiError);
    await expect(failure).rejects.toMatchObject({ status: 402, code: 'insufficient_balance', message: 'short' });
    expect(calls).toHaveLength(1);
  });

  it('names an unknown error for a 4xx without a problem body', async () => {
    const { options } = scripted([new Response('<html>', { status: 404 })]);

    await expect(requestJson(options, 'GET', '/x')).rejects.toMatchObject({ status: 404, code: 'unknown_error' });
  });

  it('gives up with B3iqUnavailableError after the last attempt', async () => {
    const { calls, options } = scripted([json(500, {}), json(502, {}), new TypeError('fetch failed')]);

    await expect(requestJson(options, 'GET', '/x')).rejects.toThrow(B3iqUnavailableError);
    expect(calls).toHaveLength(3);
  });
});
