/** `b3iq webhooks create|list|delete`: the customer's webhook endpoints. */
import { UsageError, WEBHOOK_EVENTS, type WebhookEndpointView, type WebhookEvent } from '@b3iq/protocol';
import type { B3iqClient } from '../client.js';

const line = (endpoint: WebhookEndpointView) =>
  `${endpoint.endpoint_id}  ${endpoint.status.padEnd(7)}  ${endpoint.events.join(',')}  ${endpoint.url}`;

function parseEvents(value: string | undefined): WebhookEvent[] {
  const events = (value ?? '')
    .split(',')
    .map((event) => event.trim())
    .filter((event) => event.length > 0);
  const known: readonly string[] = WEBHOOK_EVENTS;
  const unknown = events.find((event) => !known.includes(event));
  if (events.length === 0 || unknown !== undefined) {
    throw new UsageError(`--events takes a comma-separated list of ${WEBHOOK_EVENTS.join(', ')}`);
  }
  return events as WebhookEvent[];
}

async function webhooksCommand(
  api: () => B3iqClient,
  action: string | undefined,
  target: string | undefined,
  values: { url?: string | undefined; events?: string | undefined },
): Promise<{ human: string; json: unknown }> {
  switch (action) {
    case 'create': {
      if (values.url === undefined) throw new UsageError('--url is required; see b3iq --help');
      const created = await api().createWebhookEndpoint(values.url, parseEvents(values.events));
      return {
        human: `${line(created)}\nsecret: ${created.secret}\n(shown only now: keep it where your receiver reads it)`,
        json: created,
      };
    }
    case 'list': {
      const listed = await api().listWebhookEndpoints();
      return { human: listed.endpoints.length === 0 ? 'no webhook endpoints' : listed.endpoints.map(line).join('\n'), json: listed };
    }
    case 'delete': {
      if (target === undefined) throw new UsageError('an endpoint id is required; see b3iq --help');
      const deleted = await api().deleteWebhookEndpoint(target);
      return { human: `deleted ${line(deleted)}`, json: deleted };
    }
    default:
      throw new UsageError('webhooks takes create, list or delete');
  }
}

export { webhooksCommand };
