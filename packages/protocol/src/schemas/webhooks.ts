/**
 * Webhook endpoints (Standard Webhooks): the body of `POST /v1/webhooks/endpoints` and the answers
 * of the endpoint routes. The secret is in the 201 only; a listing never shows it.
 */
import { TIMESTAMP } from './fields.js';
import type { Infer, ObjectSchema } from './schema.js';

/** The job events an endpoint may subscribe to: one per way a job ends. */
const WEBHOOK_EVENTS = ['job.completed', 'job.failed', 'job.expired', 'job.cancelled'] as const;

const WEBHOOK_URL = {
  type: 'string',
  name: 'WebhookUrl',
  minLength: 1,
  maxLength: 2048,
  description: 'https://, never to a private address',
} as const;

const WEBHOOK_EVENT_LIST = {
  type: 'array',
  items: { type: 'string', name: 'WebhookEvent', enum: WEBHOOK_EVENTS },
  name: 'WebhookEvents',
  minItems: 1,
} as const;

const WEBHOOK_ENDPOINT_ID = { type: 'string', name: 'WebhookEndpointId', pattern: '^whe-[0-9a-f-]{36}$' } as const;

const WEBHOOK_ENDPOINT_STATUS = {
  type: 'string',
  name: 'WebhookEndpointStatus',
  enum: ['active', 'failing'],
  description:
    '"failing" once every attempt has failed for 24 hours, or 10 attempts in a row failed; "active" again after a delivery succeeds',
} as const;

/** `POST /v1/webhooks/endpoints`. */
const CREATE_WEBHOOK_ENDPOINT = {
  type: 'object',
  properties: { url: WEBHOOK_URL, events: WEBHOOK_EVENT_LIST },
  required: ['url', 'events'],
} as const satisfies ObjectSchema;

/** An endpoint as listed (and the answer to its deletion): never its secret. */
const WEBHOOK_ENDPOINT_VIEW = {
  type: 'object',
  name: 'WebhookEndpoint',
  properties: {
    endpoint_id: WEBHOOK_ENDPOINT_ID,
    url: WEBHOOK_URL,
    events: WEBHOOK_EVENT_LIST,
    created_at: TIMESTAMP,
    status: WEBHOOK_ENDPOINT_STATUS,
  },
  required: ['endpoint_id', 'url', 'events', 'created_at', 'status'],
} as const satisfies ObjectSchema;

/** The 201 to `POST /v1/webhooks/endpoints`: the endpoint with its signing secret, shown only here. */
const WEBHOOK_ENDPOINT_CREATED = {
  type: 'object',
  properties: {
    ...WEBHOOK_ENDPOINT_VIEW.properties,
    secret: { type: 'string', pattern: '^whsec_[A-Za-z0-9+/]{32,}={0,2}$', description: 'shown only here' },
  },
  required: [...WEBHOOK_ENDPOINT_VIEW.required, 'secret'],
} as const satisfies ObjectSchema;

/** `GET /v1/webhooks/endpoints`. */
const WEBHOOK_ENDPOINT_LIST = {
  type: 'object',
  properties: { endpoints: { type: 'array', items: WEBHOOK_ENDPOINT_VIEW } },
  required: ['endpoints'],
} as const satisfies ObjectSchema;

type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
type WebhookEndpointView = Infer<typeof WEBHOOK_ENDPOINT_VIEW>;
type WebhookEndpointCreated = Infer<typeof WEBHOOK_ENDPOINT_CREATED>;
type WebhookEndpointList = Infer<typeof WEBHOOK_ENDPOINT_LIST>;

export type { WebhookEndpointCreated, WebhookEndpointList, WebhookEndpointView, WebhookEvent };
export { CREATE_WEBHOOK_ENDPOINT, WEBHOOK_ENDPOINT_CREATED, WEBHOOK_ENDPOINT_LIST, WEBHOOK_ENDPOINT_VIEW, WEBHOOK_EVENTS };
