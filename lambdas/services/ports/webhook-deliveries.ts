/**
 * The ports of webhook delivery: the delivery queue (one message per job event and endpoint,
 * re-sent with a delay for each retry) and the HTTP sender that checks the URL's addresses and
 * connects only to one it checked.
 */
import type { UrlRules } from '../../domain/webhooks.js';

/** One job event on its way to one endpoint. The body is fixed when the event is made, so every retry sends the same bytes. */
interface WebhookDelivery {
  customer_id: string;
  endpoint_id: string;
  webhook_id: string;
  body: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** Not before this instant (ISO 8601): a retry later than the queue's 15-minute delay limit waits in several hops. */
  not_before: string;
}

interface DeliveryQueue {
  send(delivery: WebhookDelivery, delaySeconds: number): Promise<void>;
}

/** `delivered`: a 2xx; `failed`: another status, no answer within the timeout, or a refused address. */
type SendOutcome = { type: 'delivered'; status: number } | { type: 'failed'; status?: number; reason: string };

interface WebhookSender {
  post(url: string, rules: UrlRules, headers: Record<string, string>, body: string): Promise<SendOutcome>;
}

export type { DeliveryQueue, SendOutcome, WebhookDelivery, WebhookSender };
