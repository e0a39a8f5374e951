/**
 * One webhook attempt, driven in-process with a fixed clock: the store is an in-memory fake of the
 * two webhook store calls it makes, the queue and the sender record what they are given.
 */
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  afterAttempt,
  type EndpointHealth,
  HEALTHY,
  RETRY_DELAYS_SECONDS,
  type WebhookEndpoint,
} from '../../../lambdas/domain/webhooks.js';
import type { ControlPlane } from '../../../lambdas/services/control-plane.js';
import type { SendOutcome, WebhookDelivery } from '../../../lambdas/services/ports/webhook-deliveries.js';
import { deliverWebhook } from '../../../lambdas/services/webhook-delivery.js';

const NOW = new Date('2026-11-30T08:00:00Z');
const SECRET = `whsec_${Buffer.from('a secret of twenty-four bytes!!!').toString('base64')}`;
const ENDPOINT: WebhookEndpoint = {
  endpoint_id: 'whe-1',
  url: 'https://hooks.example.com/b3iq',
  events: ['job.completed'],
  secret: SECRET,
  created_at: NOW.toISOString(),
};

function world(answer: SendOutcome, endpoints: WebhookEndpoint[] = [ENDPOINT]) {
  let health: EndpointHealth = HEALTHY;
  const queued: { delivery: WebhookDelivery; delaySeconds: number }[] = [];
  const posts: { headers: Record<string, string>; body: string }[] = [];
  const plane = {
    now: () => NOW,
    store: {
      readWebhookEndpoints: async () => ({ version: 1, endpoints }),
      recordDeliveryAttempt: async (_customer: string, _endpoint: string, delivered: boolean, at: string) => {
        health = afterAttempt(health, delivered, at);
        return health;
      },
    },
  } as unknown as ControlPlane;
  const deps = {
    queue: { send: async (delivery: WebhookDelivery, delaySeconds: number) => void queued.push({ delivery, delaySeconds }) },
    sender: {
      post: async (_url: string, _rules: unknown, headers: Record<string, string>, body: string) => {
        posts.push({ headers, body });
        return answer;
      },
    },
    rules: { allowLocalHttp: false },
    schedule: RETRY_DELAYS_SECONDS,
  };
  return { plane, deps, queued, posts, health: () => health };
}

const delivery = (extra: Partial<WebhookDelivery> = {}): WebhookDelivery => ({
  customer_id: 'c1',
  endpoint_id: 'whe-1',
  webhook_id: 'msg_abc',
  body: '{"type":"job.completed","data":{"job_id":"j1"}}',
  attempt: 1,
  not_before: NOW.toISOString(),
  ...extra,
});

describe('a webhook delivery attempt', () => {
  it('POSTs the fixed body with Standard Webhooks headers that the standardwebhooks package verifies', async () => {
    const { plane, deps, posts, queued } = world({ type: 'delivered', status: 200 });

    expect(await deliverWebhook(plane, deps, delivery())).toBe('delivered');

    expect(posts).toHaveLength(1);
    expect(posts[0]?.headers).toMatchObject({ 'webhook-id': 'msg_abc', 'webhook-timestamp': String(NOW.getTime() / 1000) });
    const verifier = new Webhook(SECRET);
    // The package checks the timestamp against its own clock: sign for now to compare signatures only.
    expect(posts[0]?.headers['webhook-signature']).toBe(verifier.sign('msg_abc', NOW, delivery().body));
    expect(queued).toEqual([]);
  });

  it('queues the next attempt after a failure: same id and body, the next attempt number, 5 s later', async () => {
    const { plane, deps, queued, health } = world({ type: 'failed', status: 500, reason: 'status' });

    expect(await deliverWebhook(plane, deps, delivery())).toBe('retry_queued');

    expect(queued).toEqual([
      { delivery: delivery({ attempt: 2, not_before: new Date(NOW.getTime() + 5000).toISOString() }), delaySeconds: 5 },
    ]);
    expect(health()).toEqual({ consecutive_failures: 1, failing_since: NOW.toISOString() });
  });

  it('waits a delay longer than 15 minutes in hops of at most 900 s, without POSTing', async () => {
    const { plane, deps, queued, posts } = world({ type: 'delivered', status: 200 });
    const later = delivery({ attempt: 5, not_before: new Date(NOW.getTime() + 7200_000).toISOString() });

    expect(await deliverWebhook(plane, deps, later)).toBe('waiting');

    expect(posts).toEqual([]);
    expect(queued).toEqual([{ delivery: later, delaySeconds: 900 }]);
  });

  it('drops the event after the last attempt of the schedule fails (about 27 hours after the first)', async () => {
    const { plane, deps, queued } = world({ type: 'failed', reason: 'timeout' });

    expect(await deliverWebhook(plane, deps, delivery({ attempt: RETRY_DELAYS_SECONDS.length + 1 }))).toBe('dropped');

    expect(queued).toEqual([]);
  });

  it('sends nothing to a deleted endpoint', async () => {
    const { plane, deps, queued, posts } = world({ type: 'delivered', status: 200 }, []);

    expect(await deliverWebhook(plane, deps, delivery())).toBe('endpoint_deleted');

    expect(posts).toEqual([]);
    expect(queued).toEqual([]);
  });
});
