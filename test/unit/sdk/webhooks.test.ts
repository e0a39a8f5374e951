/** The SDK's webhook side: `verifyWebhook` as customers import it, and `b3iq webhooks` on a client double. */
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { webhooksCommand } from '../../../packages/sdk/src/cli/webhooks.js';
import type { B3iqClient } from '../../../packages/sdk/src/client.js';
import { verifyWebhook, WebhookVerificationError } from '../../../packages/sdk/src/index.js';

const SECRET = `whsec_${Buffer.from('twenty-four or more random bytes').toString('base64')}`;
const BODY = '{"type":"job.failed","timestamp":"2026-11-30T08:00:00.000Z","data":{"job_id":"j1"}}';

describe('verifyWebhook from the SDK', () => {
  it('accepts a delivery the standardwebhooks package signed, with headers as a Fetch Headers or a plain object', () => {
    const now = new Date();
    const headers = {
      'webhook-id': 'msg_sdk',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(SECRET).sign('msg_sdk', now, BODY),
    };

    expect(verifyWebhook(BODY, headers, SECRET)).toMatchObject({ type: 'job.failed' });
    expect(verifyWebhook(BODY, new Headers(headers), SECRET)).toMatchObject({ data: { job_id: 'j1' } });
    expect(() => verifyWebhook(BODY.replace('j1', 'j2'), headers, SECRET)).toThrow(WebhookVerificationError);
  });
});

describe('b3iq webhooks', () => {
  const endpoint = {
    endpoint_id: 'whe-1',
    url: 'https://h.example/x',
    events: ['job.failed' as const],
    created_at: '2026-11-30T08:00:00Z',
    status: 'active' as const,
  };
  const calls: unknown[][] = [];
  const api = () =>
    ({
      createWebhookEndpoint: async (...args: unknown[]) => {
        calls.push(['create', ...args]);
        return { ...endpoint, secret: SECRET };
      },
      listWebhookEndpoints: async () => ({ endpoints: [endpoint] }),
      deleteWebhookEndpoint: async (id: string) => ({ ...endpoint, endpoint_id: id }),
    }) as unknown as B3iqClient;

  it('creates with the listed events and shows the secret once; lists and deletes', async () => {
    const created = await webhooksCommand(api, 'create', undefined, { url: endpoint.url, events: 'job.failed, job.expired' });
    const listed = await webhooksCommand(api, 'list', undefined, {});
    const deleted = await webhooksCommand(api, 'delete', 'whe-9', {});

    expect(calls).toEqual([['create', endpoint.url, ['job.failed', 'job.expired']]]);
    expect(created.human).toContain(`secret: ${SECRET}`);
    expect(listed.human).toBe('whe-1  active   job.failed  https://h.example/x');
    expect(listed.human).not.toContain('whsec_');
    expect(deleted.json).toMatchObject({ endpoint_id: 'whe-9' });
  });

  it('refuses an unknown event or a missing --url before calling the API', async () => {
    await expect(webhooksCommand(api, 'create', undefined, { url: endpoint.url, events: 'job.started' })).rejects.toThrow(/--events/);
    await expect(webhooksCommand(api, 'create', undefined, { events: 'job.failed' })).rejects.toThrow(/--url/);
  });
});
