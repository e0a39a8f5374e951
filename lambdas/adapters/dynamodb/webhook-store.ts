/**
 * Webhook endpoints in DynamoDB, in the customer's webhook partition (layout in items.ts): the
 * endpoint list on one item with a version (so the per-customer cap holds under concurrent
 * creations), a health item per endpoint updated atomically by each delivery attempt, and a
 * marker per job event handed to the delivery queue. The secrets are on the list item: the table
 * is encrypted at rest with the stack's KMS data key, and the delivery worker needs the secret itself.
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { WebhookEvent } from '@b3iq/protocol';
import type { EndpointHealth, WebhookEndpoint } from '../../domain/webhooks.js';
import type { WebhookStore } from '../../services/ports/webhooks.js';
import { type Item, n, readInt, readS, s } from './attributes.js';
import { keys } from './items.js';
import { getItem, putIf, type Table } from './table.js';

function endpointToAttribute(endpoint: WebhookEndpoint) {
  return {
    M: {
      endpoint_id: s(endpoint.endpoint_id),
      url: s(endpoint.url),
      events: { L: endpoint.events.map(s) },
      secret: s(endpoint.secret),
      created_at: s(endpoint.created_at),
    },
  };
}

function endpointFromAttribute(item: Item): WebhookEndpoint {
  return {
    endpoint_id: readS(item, 'endpoint_id'),
    url: readS(item, 'url'),
    events: (item.events?.L ?? []).map((event) => event.S as WebhookEvent),
    secret: readS(item, 'secret'),
    created_at: readS(item, 'created_at'),
  };
}

function healthFromItem(item: Item | undefined): EndpointHealth {
  return {
    consecutive_failures: item?.consecutive_failures === undefined ? 0 : readInt(item, 'consecutive_failures'),
    failing_since: item?.failing_since?.S ?? null,
  };
}

function webhookStore(table: Table): WebhookStore {
  return {
    async readWebhookEndpoints(customerId) {
      const item = await getItem(table, keys.webhookEndpoints(customerId));
      if (item === undefined) return { version: 0, endpoints: [] };
      return {
        version: readInt(item, 'version'),
        endpoints: (item.endpoints?.L ?? []).map((entry) => endpointFromAttribute(entry.M ?? {})),
      };
    },

    async writeWebhookEndpoints(customerId, version, endpoints) {
      const written = await putIf(
        table,
        {
          ...keys.webhookEndpoints(customerId),
          entity: s('webhook_endpoints'),
          customer_id: s(customerId),
          version: n(version + 1),
          endpoints: { L: endpoints.map(endpointToAttribute) },
        },
        version === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'version = :read', ExpressionAttributeValues: { ':read': n(version) } },
      );
      return written ? 'written' : 'conflict';
    },

    async readEndpointHealth(customerId, endpointIds) {
      const items = await Promise.all(endpointIds.map((id) => getItem(table, keys.webhookHealth(customerId, id))));
      return new Map(endpointIds.map((id, index) => [id, healthFromItem(items[index])]));
    },

    async recordDeliveryAttempt(customerId, endpointId, delivered, at) {
      const result = await table.client.send(
        new UpdateItemCommand({
          TableName: table.name,
          Key: keys.webhookHealth(customerId, endpointId),
          UpdateExpression: delivered
            ? 'SET entity = :entity, consecutive_failures = :zero, last_attempt_at = :at, last_delivered_at = :at REMOVE failing_since'
            : 'SET entity = :entity, last_attempt_at = :at, failing_since = if_not_exists(failing_since, :at) ADD consecutive_failures :one',
          ExpressionAttributeValues: delivered
            ? { ':entity': s('webhook_health'), ':zero': n(0), ':at': s(at) }
            : { ':entity': s('webhook_health'), ':one': n(1), ':at': s(at) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return healthFromItem(result.Attributes);
    },

    async webhookEventQueued(customerId, webhookId) {
      return (await getItem(table, keys.webhookEvent(customerId, webhookId))) !== undefined;
    },

    async markWebhookEventQueued(customerId, webhookId, expiresAt) {
      await putIf(table, { ...keys.webhookEvent(customerId, webhookId), entity: s('webhook_event'), expires_at: n(expiresAt) }, {});
    },
  };
}

export { webhookStore };
