/**
 * One webhook delivery attempt: sign the event's fixed body for the endpoint (Standard Webhooks
 * headers, a fresh timestamp), POST it, record the outcome on the endpoint's health, and on a
 * failure queue the next attempt after the schedule's delay (domain/webhooks.ts) until the
 * schedule ends. A deleted endpoint gets nothing more. Delays beyond the queue's 15-minute limit
 * are waited in hops: a message that arrives before `not_before` is sent back to wait.
 */
import { signWebhook } from '@b3iq/protocol';
import { endpointStatus, retryDelaySeconds, type UrlRules } from '../domain/webhooks.js';
import type { ControlPlane } from './control-plane.js';
import type { DeliveryQueue, WebhookDelivery, WebhookSender } from './ports/webhook-deliveries.js';

/** SQS's largest DelaySeconds. */
const MAX_QUEUE_DELAY_SECONDS = 900;

interface DeliveryDeps {
  queue: DeliveryQueue;
  sender: WebhookSender;
  rules: UrlRules;
  /** The retry delays in seconds (domain RETRY_DELAYS_SECONDS unless a test deployment sets its own). */
  schedule: readonly number[];
  /** Called when an attempt fails on an endpoint that is `failing` (a metric the alarm watches). */
  onFailingEndpoint?: () => void;
}

type DeliveryOutcome = 'delivered' | 'waiting' | 'endpoint_deleted' | 'retry_queued' | 'dropped';

async function requeue(queue: DeliveryQueue, delivery: WebhookDelivery, nowMs: number): Promise<void> {
  const waitSeconds = Math.ceil((Date.parse(delivery.not_before) - nowMs) / 1000);
  await queue.send(delivery, Math.max(0, Math.min(MAX_QUEUE_DELAY_SECONDS, waitSeconds)));
}

async function deliverWebhook(plane: ControlPlane, deps: DeliveryDeps, delivery: WebhookDelivery): Promise<DeliveryOutcome> {
  const now = plane.now();
  if (Date.parse(delivery.not_before) > now.getTime()) {
    await requeue(deps.queue, delivery, now.getTime());
    return 'waiting';
  }
  const { endpoints } = await plane.store.readWebhookEndpoints(delivery.customer_id);
  const endpoint = endpoints.find((entry) => entry.endpoint_id === delivery.endpoint_id);
  if (endpoint === undefined) return 'endpoint_deleted';
  const timestamp = Math.floor(now.getTime() / 1000);
  const headers = {
    'content-type': 'application/json',
    'webhook-id': delivery.webhook_id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(endpoint.secret, delivery.webhook_id, timestamp, delivery.body),
  };
  const sent = await deps.sender.post(endpoint.url, deps.rules, headers, delivery.body);
  const delivered = sent.type === 'delivered';
  const health = await plane.store.recordDeliveryAttempt(delivery.customer_id, endpoint.endpoint_id, delivered, now.toISOString());
  if (delivered) return 'delivered';
  if (endpointStatus(health, now) === 'failing') deps.onFailingEndpoint?.();
  const delay = retryDelaySeconds(delivery.attempt, deps.schedule);
  if (delay === undefined) return 'dropped';
  const next = { ...delivery, attempt: delivery.attempt + 1, not_before: new Date(now.getTime() + delay * 1000).toISOString() };
  await requeue(deps.queue, next, now.getTime());
  return 'retry_queued';
}

export type { DeliveryDeps, DeliveryOutcome };
export { deliverWebhook, MAX_QUEUE_DELAY_SECONDS };
