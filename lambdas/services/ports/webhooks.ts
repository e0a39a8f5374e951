/**
 * The port to a customer's webhook endpoints (domain/webhooks.ts): the endpoint list, changed
 * only if unchanged since read, each endpoint's delivery health, and which job events were queued.
 */
import type { EndpointHealth, WebhookEndpoint } from '../../domain/webhooks.js';

interface StoredEndpoints {
  /** How many changes the list has had: a change is written only if it is still this. */
  version: number;
  endpoints: WebhookEndpoint[];
}

interface WebhookStore {
  readWebhookEndpoints(customerId: string): Promise<StoredEndpoints>;
  /** Replaces the list if it is still at `version`: `conflict` otherwise (read again). */
  writeWebhookEndpoints(customerId: string, version: number, endpoints: WebhookEndpoint[]): Promise<'written' | 'conflict'>;
  readEndpointHealth(customerId: string, endpointIds: string[]): Promise<Map<string, EndpointHealth>>;
  /** Records one delivery attempt's outcome (atomically) and answers the endpoint's health after it. */
  recordDeliveryAttempt(customerId: string, endpointId: string, delivered: boolean, at: string): Promise<EndpointHealth>;
  /** Whether the job event `webhookId` was already handed to the delivery queue. */
  webhookEventQueued(customerId: string, webhookId: string): Promise<boolean>;
  /** Notes that it was (kept a few days, past any repeat of the job's stream record). */
  markWebhookEventQueued(customerId: string, webhookId: string, expiresAt: number): Promise<void>;
}

export type { StoredEndpoints, WebhookStore };
