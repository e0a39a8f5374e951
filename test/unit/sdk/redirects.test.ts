/** Where the customer's credentials may go: https only (loopback excepted), and never along a redirect to another origin. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiUrlProblem, B3iqRedirectError, DEFAULT_RETRY, requestJson } from '@b3iq/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { B3iqClient } from '../../../packages/sdk/src/client.js';
import { B3iqConfigError } from '../../../packages/sdk/src/errors.js';
import { MemoryTrustStore } from '../../../packages/sdk/src/trust-store.js';

/** A local HTTP server that records each request's path and headers and answers with `answer`. */
async function server(answer: (path: string) => { status: number; headers?: Record<string, string>; body?: string }) {
  const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  const listening: Server = createServer((request, response) => {
    seen.push({ path: request.url ?? '', headers: request.headers });
    const { status, headers, body } = answer(request.url ?? '');
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body ?? '{}');
  });
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  return { seen, url: `http://127.0.0.1:${(listening.address() as AddressInfo).port}`, close: () => listening.close() };
}

let elsewhere: Awaited<ReturnType<typeof server>>;
let api: Awaited<ReturnType<typeof server>>;

beforeAll(async () => {
  elsewhere = await server(() => ({ status: 200, body: '{"customer_id":"stolen"}' }));
  api = await server((path) => {
    if (path === '/prod/v1/billing/account') return { status: 307, headers: { location: `${elsewhere.url}/collect` } };
    if (path === '/prod/v1/moved') return { status: 308, headers: { location: '/prod/v1/here' } };
    return { status: 200, body: JSON.stringify({ path }) };
  });
});

afterAll(() => {
  api.close();
  elsewhere.close();
});

const options = () => ({
  apiUrl: `${api.url}/prod`,
  headers: { 'X-B3IQ-Customer-ID': 'cus-1', 'X-B3IQ-Customer-Token': 'secret-token' },
  retry: { ...DEFAULT_RETRY, attempts: 2, baseDelayMs: 1 },
  fetch: globalThis.fetch,
});

describe('requestJson redirects', () => {
  it('does not follow a 307 to another origin, so the token never reaches it', async () => {
    // Act & Assess
    await expect(requestJson(options(), 'GET', '/v1/billing/account')).rejects.toBeInstanceOf(B3iqRedirectError);
    expect(elsewhere.seen).toEqual([]);
  });

  it('follows a redirect within the API origin, with the same headers', async () => {
    // Act
    const answer = await requestJson(options(), 'GET', '/v1/moved');

    // Assess
    expect(answer).toEqual({ path: '/prod/v1/here' });
    expect(api.seen.at(-1)?.headers['x-b3iq-customer-token']).toBe('secret-token');
  });

  it('stops a redirect through the SDK client too, and says where it was sent', async () => {
    const client = new B3iqClient({
      apiUrl: `${api.url}/prod`,
      customerId: 'cus-1',
      customerToken: 'secret-token',
      trustStore: new MemoryTrustStore(),
    });

    await expect(client.getAccount()).rejects.toThrow(`redirected to another origin (${elsewhere.url})`);
    expect(elsewhere.seen).toEqual([]);
  });
});

describe('apiUrlProblem', () => {
  it.each(['https://api.example/prod', 'http://localhost:4566/x', 'http://127.0.0.1:3000', 'http://127.9.8.7/x', 'http://[::1]:8080/x'])(
    'accepts %s',
    (url) => {
      expect(apiUrlProblem(url)).toBeUndefined();
    },
  );

  it.each([
    'http://api.example/prod',
    'http://10.0.0.1/x',
    'http://localhost.evil.example/x',
    'http://128.0.0.1/',
    'ftp://api.example',
    'not a url',
  ])('refuses %s', (url) => {
    expect(apiUrlProblem(url)).toEqual(expect.any(String));
  });

  it('makes the SDK client refuse a plain-http API at construction, with a configuration error', () => {
    expect(() => new B3iqClient({ apiUrl: 'http://api.example/prod', customerId: 'c', customerToken: 't' })).toThrow(B3iqConfigError);
    expect(() => new B3iqClient({ apiUrl: 'http://api.example/prod', customerId: 'c', customerToken: 't' })).toThrow(/must use https/);
  });
});
