/** The webhook sender connects only to an address it checked, whatever the name resolves to later (DNS rebinding). */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookSender } from '../../../lambdas/adapters/webhook-sender.js';

describe('the webhook sender', () => {
  const seen: { host: string | undefined; body: string }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ host: request.headers.host, body: Buffer.concat(chunks).toString() });
      response.writeHead(request.url === '/fail' ? 503 : 200).end();
    });
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.close();
  });

  it('refuses, without connecting, a name that resolves to a private address', async () => {
    const sender = webhookSender(async () => ['10.0.0.7']);
    const before = seen.length;

    const outcome = await sender.post('https://hooks.example.com/', { allowLocalHttp: false }, {}, '{}');

    expect(outcome).toEqual({ type: 'failed', reason: 'address_refused' });
    expect(seen.length).toBe(before);
  });

  it('connects to the address it checked and keeps the URL host; a non-2xx is a failure with its status', async () => {
    let lookups = 0;
    const sender = webhookSender(async () => {
      lookups += 1;
      return ['127.0.0.1'];
    });

    const ok = await sender.post(`http://localhost:${port}/ok`, { allowLocalHttp: true }, { 'webhook-id': 'msg_1' }, '{"a":1}');
    const failed = await sender.post(`http://localhost:${port}/fail`, { allowLocalHttp: true }, {}, '{}');

    expect(ok).toEqual({ type: 'delivered', status: 200 });
    expect(failed).toEqual({ type: 'failed', status: 503, reason: 'status' });
    expect(seen.at(-2)).toEqual({ host: `localhost:${port}`, body: '{"a":1}' });
    // One resolution per attempt: the connection does not look the name up again.
    expect(lookups).toBe(2);
  });

  it('counts no answer within the timeout as a failure', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const sender = webhookSender(async () => ['127.0.0.1'], 200);

    const outcome = await sender.post(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, { allowLocalHttp: true }, {}, '{}');

    silent.closeAllConnections();
    silent.close();
    expect(outcome).toEqual({ type: 'failed', reason: 'timeout' });
  });
});
