import { signWebhook, verifyWebhook, WebhookVerificationError } from '@b3iq/protocol';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  afterAttempt,
  endpointStatus,
  HEALTHY,
  isForbiddenAddress,
  parseEndpointRequest,
  RETRY_DELAYS_SECONDS,
  retryDelaySeconds,
  webhookMessageId,
} from '../../../lambdas/domain/webhooks.js';

const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const AT = new Date('2026-11-30T08:00:00Z');
const SECONDS = AT.getTime() / 1000;
const BODY = '{"type":"job.completed","timestamp":"2026-11-30T08:00:00.000Z","data":{"job_id":"j1"}}';

const publicDns = async () => ['93.184.216.34'];
const STRICT = { allowLocalHttp: false };
const LOCAL = { allowLocalHttp: true };
const register = (url: string, rules = STRICT, resolve = publicDns) =>
  parseEndpointRequest({ url, events: ['job.completed'] }, rules, resolve);

describe('webhook signatures', () => {
  it('signs exactly as the standardwebhooks package does', () => {
    expect(signWebhook(SECRET, 'msg_1', SECONDS, BODY)).toBe(new Webhook(SECRET).sign('msg_1', AT, BODY));
  });

  it('verifies what the standardwebhooks package signed, and the package verifies ours', () => {
    const theirs = new Webhook(SECRET).sign('msg_2', new Date(), BODY);
    const headers = { 'webhook-id': 'msg_2', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': theirs };
    expect(verifyWebhook(BODY, headers, SECRET)).toMatchObject({ type: 'job.completed' });
    const ours = { ...headers, 'webhook-signature': signWebhook(SECRET, 'msg_2', Number(headers['webhook-timestamp']), BODY) };
    expect(new Webhook(SECRET).verify(BODY, ours)).toMatchObject({ type: 'job.completed' });
  });

  it('refuses a changed body, another secret, a stale timestamp and missing headers', () => {
    const headers = {
      'webhook-id': 'msg_3',
      'webhook-timestamp': String(SECONDS),
      'webhook-signature': signWebhook(SECRET, 'msg_3', SECONDS, BODY),
    };
    expect(verifyWebhook(BODY, headers, SECRET, { now: AT })).toBeDefined();
    expect(() => verifyWebhook(`${BODY} `, headers, SECRET, { now: AT })).toThrow(WebhookVerificationError);
    const other = `whsec_${Buffer.from('another secret of enough bytes!!').toString('base64')}`;
    expect(() => verifyWebhook(BODY, headers, other, { now: AT })).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(BODY, headers, SECRET, { now: new Date(AT.getTime() + 301_000) })).toThrow(/too far/);
    expect(() => verifyWebhook(BODY, { 'webhook-id': 'msg_3' }, SECRET, { now: AT })).toThrow(/missing/);
  });

  it('accepts any of several space-separated signatures (a rotated secret)', () => {
    const good = signWebhook(SECRET, 'msg_4', SECONDS, BODY);
    const headers = { 'webhook-id': 'msg_4', 'webhook-timestamp': String(SECONDS), 'webhook-signature': `v1,AAAA ${good}` };
    expect(verifyWebhook(BODY, headers, SECRET, { now: AT })).toBeDefined();
  });
});

describe('webhook URL rules', () => {
  it.each([
    'http://93.184.216.34/hook',
    'ftp://example.com/',
    'https://user:pw@example.com/',
    'https://localhost/',
    'https://localhost./',
    'https://a.localhost/',
    'https://127.0.0.1/',
    'https://2130706433/',
    'https://0177.0.0.1/',
    'https://0x7f.1/',
    'https://10.1.2.3/',
    'https://172.16.0.1/',
    'https://192.168.1.1/',
    'https://100.64.0.1/',
    'https://169.254.169.254/latest/meta-data',
    'https://0.0.0.0/',
    'https://[::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:a9fe:a9fe]/',
    'https://[64:ff9b::a00:1]/',
    'https://[fd00:ec2::254]/',
    'https://[fe80::1]/',
    'https://[fc00::1]/',
    'http://127.0.0.1:8080/hook',
    'http://localhost:8080/hook',
  ])('refuses %s on a stage that is not local development', async (url) => {
    await expect(register(url)).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('refuses a name that resolves to a private address, or to any private address among public ones', async () => {
    await expect(register('https://hooks.example.com/', STRICT, async () => ['10.0.0.7'])).rejects.toMatchObject({
      code: 'invalid_request',
    });
    await expect(register('https://hooks.example.com/', STRICT, async () => ['93.184.216.34', 'fd00::1'])).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });

  it('accepts a public https URL, and local development URLs only on a local stage', async () => {
    await expect(register('https://hooks.example.com/b3iq')).resolves.toEqual({
      url: 'https://hooks.example.com/b3iq',
      events: ['job.completed'],
    });
    await expect(register('http://127.0.0.1:8080/hook', LOCAL)).resolves.toMatchObject({ url: 'http://127.0.0.1:8080/hook' });
    await expect(register('http://localhost:8080/hook', LOCAL, async () => ['127.0.0.1'])).resolves.toMatchObject({});
    await expect(register('http://127.0.0.1/hook', LOCAL)).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(register('http://10.0.0.1:8080/hook', LOCAL)).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('refuses unknown or empty events and unknown fields', async () => {
    const check = (body: unknown) => parseEndpointRequest(body, STRICT, publicDns);
    await expect(check({ url: 'https://example.com/', events: [] })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(check({ url: 'https://example.com/', events: ['job.started'] })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(check({ url: 'https://example.com/', events: ['job.failed'], extra: 1 })).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });

  it.each(['8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])('allows the public address %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(false);
  });
});

describe('webhook delivery schedule and endpoint health', () => {
  it('retries first within 60 s, with growing delays, for at least 24 hours', () => {
    expect(retryDelaySeconds(1)).toBeLessThanOrEqual(60);
    const delays = RETRY_DELAYS_SECONDS.map((_, index) => retryDelaySeconds(index + 1) ?? 0);
    expect(delays.every((delay, index) => index === 0 || delay >= (delays[index - 1] ?? 0))).toBe(true);
    expect(delays.reduce((sum, delay) => sum + delay, 0)).toBeGreaterThanOrEqual(86_400);
    expect(retryDelaySeconds(RETRY_DELAYS_SECONDS.length + 1)).toBeUndefined();
  });

  it('is failing after 10 failed attempts in a row or 24 hours of failures, and active after a success', () => {
    let health = HEALTHY;
    for (let attempt = 0; attempt < 9; attempt += 1) health = afterAttempt(health, false, AT.toISOString());
    expect(endpointStatus(health, AT)).toBe('active');
    expect(endpointStatus(health, new Date(AT.getTime() + 86_400_000))).toBe('failing');
    health = afterAttempt(health, false, AT.toISOString());
    expect(endpointStatus(health, AT)).toBe('failing');
    expect(endpointStatus(afterAttempt(health, true, AT.toISOString()), AT)).toBe('active');
  });

  it('names each job event with one id, different for each job, customer and event', () => {
    const id = webhookMessageId('c1', 'j1', 'job.completed');
    expect(webhookMessageId('c1', 'j1', 'job.completed')).toBe(id);
    expect(id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(
      new Set([
        id,
        webhookMessageId('c2', 'j1', 'job.completed'),
        webhookMessageId('c1', 'j2', 'job.completed'),
        webhookMessageId('c1', 'j1', 'job.failed'),
      ]).size,
    ).toBe(4);
  });
});
