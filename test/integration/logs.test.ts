/**
 * Nothing secret reaches a log line: no token, key, ciphertext or envelope field.
 *
 * The file works on a table of its own, so the sweeper run here sees only this file's jobs and
 * its metrics count exactly what this file left overdue.
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeBase64url } from '@b3iq/protocol';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { keys } from '../../lambdas/adapters/dynamodb/items.js';
import { hashToken } from '../../lambdas/domain/customer-token.js';
import { adminHeaders, callApi } from './support/api.js';
import { backdate, cancelJob } from './support/lifecycle.js';
import { nodeCall, pull, resultFor } from './support/node-calls.js';
import { useOwnTable } from './support/table.js';
import { newCustomer, newNode, sealedJob, store, uniqueId } from './support/world.js';

useOwnTable();

describe('logs', () => {
  let lines: string[] = [];

  beforeEach(() => {
    lines = [];
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      });
    }
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('carry no token, key, ciphertext, signature or envelope field through a job’s life and its refusals', async () => {
    // Prepare
    const customer = await newCustomer();
    const node = await newNode();
    const body = sealedJob(node, { job_id: uniqueId('job') });
    const envelope = body.encrypted_request;

    // Act: success, replay, conflict, refusals and admin calls that carry secrets.
    await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: body });
    await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: body });
    await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: sealedJob(node, { job_id: body.job_id }) });
    await callApi('POST', '/v1/private-inference/jobs', {
      headers: { ...customer.headers, 'X-B3IQ-Customer-Token': `${customer.token}x` },
      json: body,
    });
    await callApi('POST', '/v1/private-inference/jobs', {
      headers: customer.headers,
      json: { ...body, encrypted_request: { ...envelope, secret_field: customer.token } },
    });
    await callApi('POST', '/v1/private-inference/jobs', {
      headers: { ...customer.headers, 'Content-Type': 'application/json' },
      body: `{"token":"${customer.token}"`,
    });
    await callApi('GET', '/v1/private-inference/jobs/{job_id}', { headers: customer.headers, params: { job_id: body.job_id! } });
    const created = await callApi('POST', '/v1/admin/customers', { headers: adminHeaders(), json: {} });
    await callApi('POST', '/v1/admin/customers', { headers: { 'X-B3IQ-Admin-Token': `${inject('localStack').adminToken}x` }, json: {} });
    const nodeRecord = (await store.getNode(node.nodeId))!.node.transport_keys[0]!;
    // The node's side: a pull, a result with its receipt, a bad signature.
    const [pulled] = await pull(node);
    const result = resultFor(node, pulled!);
    await nodeCall(node, 'result', result, { commandId: pulled!.command.command_id });
    await nodeCall(
      node,
      'pull',
      { wait_seconds: 0 },
      { headers: (signed) => ({ ...signed, 'X-B3IQ-Signature': `${signed['X-B3IQ-Signature']}A` }) },
    );

    // Assess
    const logged = lines.join('');
    expect(logged).toContain('"route":"/v1/private-inference/jobs"');
    // Each request line names its job and the Lambda invocation.
    expect(logged).toContain(`"job_id":"${body.job_id}"`);
    expect(logged).toContain('"function_request_id":"test-request"');
    // The business metrics ride on the same stream, as EMF lines.
    expect(logged).toContain('"JobsQueued":1');
    expect(logged).toContain('"JobsCompleted":1');
    const secrets = {
      'customer token': customer.token,
      'new customer token': created.body.customer_token as string,
      'admin token': inject('localStack').adminToken,
      ciphertext: envelope.ciphertext.slice(0, 24),
      nonce: envelope.nonce,
      'client public key': envelope.client_public_key_x25519,
      'aad hash': envelope.aad_hash!,
      'node transport key': encodeBase64url(node.publicKey),
      'record signature': nodeRecord.signature.slice(0, 24),
      'response ciphertext': result.encrypted_response.ciphertext.slice(0, 24),
      'receipt signature': result.receipt_signature_ed25519.slice(0, 24),
      'lease id': pulled!.lease_id.slice(0, 24),
    };
    for (const [name, secret] of Object.entries(secrets)) {
      expect(logged.includes(secret), `${name} appears in the logs`).toBe(false);
    }
  });

  it("carry no customer token or token hash through a token's life: made, used, listed, revoked, refused", async () => {
    // Prepare
    const customer = await newCustomer();
    const node = await newNode();
    const tokenPath = { customer_id: customer.customerId };

    // Act: a token made, used on both customer functions, listed, revoked, then refused; a malformed request to make one.
    const made = await callApi('POST', '/v1/admin/customers/{customer_id}/tokens', {
      params: tokenPath,
      headers: adminHeaders(),
      json: { name: 'rotated' },
    });
    const token = made.body.customer_token as string;
    const headers = { 'X-B3IQ-Customer-ID': customer.customerId, 'X-B3IQ-Customer-Token': token };
    await callApi('POST', '/v1/private-inference/jobs', { headers, json: sealedJob(node, { job_id: uniqueId('job') }) });
    await callApi('GET', '/v1/billing/account', { headers });
    const listed = await callApi('GET', '/v1/admin/customers/{customer_id}/tokens', { params: tokenPath, headers: adminHeaders() });
    await callApi('DELETE', '/v1/admin/customers/{customer_id}/tokens/{token_id}', {
      params: { ...tokenPath, token_id: made.body.token_id },
      headers: adminHeaders(),
    });
    await callApi('GET', '/v1/billing/account', { headers });
    await callApi('POST', '/v1/admin/customers/{customer_id}/tokens', {
      params: tokenPath,
      headers: adminHeaders(),
      json: { name: `bad\n${token}` },
    });

    // Assess
    const logged = lines.join('');
    expect(logged).toContain('"route":"/v1/admin/customers/{customer_id}/tokens/{token_id}"');
    expect(listed.status).toBe(200);
    for (const [name, secret] of Object.entries({
      'new token': token,
      'new token hash': hashToken(token),
      'first token': customer.token,
      'first token hash': hashToken(customer.token),
    })) {
      expect(logged.includes(secret), `${name} appears in the logs`).toBe(false);
      expect(JSON.stringify(listed.body).includes(secret), `${name} appears in the listing`).toBe(false);
    }
  });

  it('carry no token or envelope field from the workers: relay, sweeper, dead letters, and a cancel', async () => {
    // Prepare: one job to relay and expire, one to cancel, and a dead-lettered command carrying its envelope.
    const customer = await newCustomer();
    const node = await newNode();
    const [first, second] = [sealedJob(node, { job_id: uniqueId('job') }), sealedJob(node, { job_id: uniqueId('job') })];
    for (const body of [first, second]) await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: body });
    const command = (await pull(node)).find((pulled) => pulled.command.job_id === first.job_id)!.command;
    await backdate(customer.customerId, first.job_id!, 4_000);

    // Act
    const jobKey = keys.job(customer.customerId, first.job_id!);
    // Loaded now, as a container would be, after the file switched to its own table (a handler reads
    // its configuration when its module loads).
    const { handler: relay } = await import('../../lambdas/handlers/command-relay.js');
    const { handler: sweeper } = await import('../../lambdas/handlers/deadline-sweeper.js');
    const { handler: deadLetters } = await import('../../lambdas/handlers/dead-letters.js');
    await relay({ Records: [{ eventName: 'INSERT', dynamodb: { Keys: jobKey } }] } as never);
    await sweeper({}, { getRemainingTimeInMillis: () => 30_000 });
    await deadLetters({ Records: [{ messageId: 'm-1', body: JSON.stringify(command) }] } as never);
    await cancelJob(customer, second.job_id!);

    // Assess
    const logged = lines.join('');
    expect(logged).toContain('"message":"swept"');
    expect(logged).toMatch(/"OldestReservationAgeSeconds":\d+/);
    expect(logged).toContain('"JobsExpired":1');
    expect(logged).toContain('"JobsCancelled":1');
    expect(logged).toContain('"message":"dead letter"');
    for (const [name, secret] of Object.entries({
      'customer token': customer.token,
      ciphertext: first.encrypted_request.ciphertext.slice(0, 24),
      'other ciphertext': second.encrypted_request.ciphertext.slice(0, 24),
      'client public key': first.encrypted_request.client_public_key_x25519,
      nonce: first.encrypted_request.nonce,
    })) {
      expect(logged.includes(secret), `${name} appears in the logs`).toBe(false);
    }
  });

  it("carry no webhook secret or signature through an endpoint's life: registered, delivered to, listed, deleted", async () => {
    // Prepare: a receiver on 127.0.0.1 that accepts, so the delivery worker queues nothing (its queue URL is never used).
    const customer = await newCustomer();
    const received: { signature: string }[] = [];
    const server = createServer((request, response) => {
      received.push({ signature: String(request.headers['webhook-signature']) });
      request.resume();
      response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    process.env.WEBHOOK_QUEUE_URL ??= 'http://127.0.0.1:9/never-used';
    const { handler } = await import('../../lambdas/handlers/webhook-delivery.js');

    // Act
    const created = await callApi('POST', '/v1/webhooks/endpoints', {
      headers: customer.headers,
      json: { url, events: ['job.completed'] },
    });
    const delivery = {
      customer_id: customer.customerId,
      endpoint_id: created.body.endpoint_id,
      webhook_id: 'msg_logs',
      body: '{"type":"job.completed"}',
      attempt: 1,
      not_before: new Date(0).toISOString(),
    };
    const answer = await handler({ Records: [{ messageId: 'm1', body: JSON.stringify(delivery) }] } as never);
    await callApi('GET', '/v1/webhooks/endpoints', { headers: customer.headers });
    await callApi('DELETE', '/v1/webhooks/endpoints/{endpoint_id}', {
      headers: customer.headers,
      params: { endpoint_id: created.body.endpoint_id },
    });
    server.close();

    // Assess
    const logged = lines.join('');
    expect(created.status).toBe(201);
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(received).toHaveLength(1);
    expect(logged).toContain('"webhook_id":"msg_logs"');
    const secret = created.body.secret as string;
    for (const [name, value] of Object.entries({
      secret,
      'secret key bytes': secret.slice('whsec_'.length, 'whsec_'.length + 24),
      signature: received[0]!.signature.slice(3, 27),
    })) {
      expect(logged.includes(value), `${name} appears in the logs`).toBe(false);
    }
  });
});
