/**
 * Signed webhooks (Standard Webhooks): a customer's endpoints, the event each job end makes, its
 * deterministic `webhook-id`, the retry schedule and the URL rules. Pure: the DNS resolver is
 * passed in, and the signature is the protocol's (`@b3iq/protocol` signWebhook, which the SDK's
 * verifyWebhook checks).
 *
 * URL rules: `https://` only, and never a host that is or resolves to a private, loopback,
 * link-local, CGNAT, unique-local IPv6, multicast, reserved or metadata address; checked at
 * registration and again at every delivery, which connects only to the address it checked (DNS
 * rebinding). A stage configured for local development also accepts `http://127.0.0.1:PORT` and
 * `http://localhost:PORT`, and only those reach loopback.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import {
  CREATE_WEBHOOK_ENDPOINT,
  type JobStatus,
  WEBHOOK_EVENTS,
  WEBHOOK_SECRET_PREFIX,
  type WebhookEndpointView,
  type WebhookEvent,
} from '@b3iq/protocol';
import type { Job } from './job.js';
import { billingView } from './job.js';
import { closedObject } from './json-object.js';
import { Problem } from './problems.js';

/** Endpoints a customer may have at once. */
const MAX_ENDPOINTS_PER_CUSTOMER = 10;

/**
 * Seconds to wait after each failed attempt (Standard Webhooks' schedule): the first retry 5 s
 * after the first failure, the last one about 27 hours after the job ended. Then the event is dropped.
 */
const RETRY_DELAYS_SECONDS: readonly number[] = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];

/** An endpoint is `failing` after this many failed attempts in a row, or after failing for this long. */
const FAILING_AFTER_ATTEMPTS = 10;
const FAILING_AFTER_MS = 24 * 3600 * 1000;

/** How long one attempt may take before it counts as no answer. */
const DELIVERY_TIMEOUT_MS = 15_000;

interface WebhookEndpoint {
  endpoint_id: string;
  url: string;
  events: WebhookEvent[];
  /** `whsec_…`: kept in the table (encrypted at rest with the stack's data key), never logged or listed. */
  secret: string;
  created_at: string;
}

/** How an endpoint's deliveries have gone: failures in a row since the last success. */
interface EndpointHealth {
  consecutive_failures: number;
  /** The first failed attempt since the last success; `null` while the last attempt succeeded. */
  failing_since: string | null;
}

interface UrlRules {
  /** A local development stage: also `http://127.0.0.1:PORT` and `http://localhost:PORT`. */
  allowLocalHttp: boolean;
}

/** The addresses a host name resolves to (every A and AAAA record). */
type Resolve = (host: string) => Promise<string[]>;

const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible or NAT64 (`64:ff9b::/96`) IPv6 address. */
function embeddedIpv4(address: string): string | undefined {
  const groups = expandIpv6(address);
  if (groups === undefined) return undefined;
  const mapped = groups.slice(0, 5).every((g) => g === 0) && (groups[5] === 0xffff || groups[5] === 0);
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0);
  if (!mapped && !nat64) return undefined;
  const [high = 0, low = 0] = groups.slice(6);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The eight 16-bit groups of an IPv6 address (with or without an embedded dotted IPv4 tail). */
function expandIpv6(address: string): number[] | undefined {
  let text = address.toLowerCase().replace(/^\[|\]$/g, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1] !== undefined) {
    const parts = dotted[1].split('.').map(Number);
    text = `${text.slice(0, -dotted[1].length)}${(((parts[0] ?? 0) << 8) | (parts[1] ?? 0)).toString(16)}:${(((parts[2] ?? 0) << 8) | (parts[3] ?? 0)).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return undefined;
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((group) => Number.parseInt(group, 16));
}

/** Whether a webhook may never be sent to this IP address (private, loopback, link-local, CGNAT, ULA, metadata, …). */
function isForbiddenAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 4) return FORBIDDEN.check(bare, 'ipv4');
  if (family !== 6) return true;
  const inner = embeddedIpv4(bare);
  return inner !== undefined ? FORBIDDEN.check(inner, 'ipv4') : FORBIDDEN.check(bare, 'ipv6');
}

const isLoopback = (address: string): boolean => {
  const bare = address.replace(/^\[|\]$/g, '');
  return (isIP(bare) === 4 && bare.startsWith('127.')) || bare === '::1';
};

/** A local development URL: `http://127.0.0.1:PORT/...` or `http://localhost:PORT/...`, on a stage that allows them. */
function isLocalDevelopmentUrl(url: URL, rules: UrlRules): boolean {
  return (
    rules.allowLocalHttp && url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost') && url.port !== ''
  );
}

const refuse = (detail: string) => new Problem('invalid_request', detail);

/**
 * The URL as registered, or 400 `invalid_request`: https (or a local development URL), no
 * credentials, and a host that is not an address or name webhooks may never reach. WHATWG URL
 * parsing turns decimal, octal and hex IPv4 forms into dotted quads first, so they are checked as such.
 */
function parseWebhookUrl(text: unknown, rules: UrlRules): URL {
  if (typeof text !== 'string' || text.length === 0 || text.length > 2048) throw refuse('"url" must be a URL of at most 2048 characters');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse('"url" must be an absolute URL');
  }
  if (url.username !== '' || url.password !== '') throw refuse('"url" must not carry credentials');
  if (isLocalDevelopmentUrl(url, rules)) return url;
  if (url.protocol !== 'https:') throw refuse('"url" must be https://');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const name = host.replace(/\.$/, '').toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost') || name === '' || (isIP(host) !== 0 && isForbiddenAddress(host))) {
    throw refuse('"url" must not name a private, loopback, link-local or metadata address');
  }
  return url;
}

/**
 * The addresses a delivery to `url` may connect to: its resolved addresses, all of which must be
 * allowed (one forbidden address refuses the URL: a resolver may answer either). 400 otherwise.
 */
async function allowedAddresses(url: URL, rules: UrlRules, resolve: Resolve): Promise<string[]> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) !== 0 ? [host] : await resolve(host);
  const local = isLocalDevelopmentUrl(url, rules);
  const allowed = (address: string) => (local ? isLoopback(address) : !isForbiddenAddress(address));
  if (addresses.length === 0 || !addresses.every(allowed)) {
    throw refuse('"url" must not resolve to a private, loopback, link-local or metadata address');
  }
  return addresses;
}

/** The body of `POST /v1/webhooks/endpoints`, checked: a URL by the rules and a non-empty set of known events. */
async function parseEndpointRequest(body: unknown, rules: UrlRules, resolve: Resolve): Promise<{ url: string; events: WebhookEvent[] }> {
  const fields = closedObject(body, CREATE_WEBHOOK_ENDPOINT);
  const { events } = fields;
  const known: readonly string[] = WEBHOOK_EVENTS;
  if (!Array.isArray(events) || events.length === 0 || !events.every((event) => typeof event === 'string' && known.includes(event))) {
    throw refuse(`"events" must be a non-empty list of ${WEBHOOK_EVENTS.join(', ')}`);
  }
  const url = parseWebhookUrl(fields.url, rules);
  await allowedAddresses(url, rules, resolve);
  return { url: url.href, events: [...new Set(events as WebhookEvent[])] };
}

const newEndpointId = (): string => `whe-${randomUUID()}`;

/** `whsec_` + base64 of 32 random bytes. */
const newWebhookSecret = (): string => `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64')}`;

/** The event a job's status makes, if it is an end. */
function webhookEventOf(status: JobStatus): WebhookEvent | undefined {
  const event = `job.${status}`;
  return (WEBHOOK_EVENTS as readonly string[]).includes(event) ? (event as WebhookEvent) : undefined;
}

/** The `webhook-id` of a job event: the same however often it is made or retried, different for every job and event. */
function webhookMessageId(customerId: string, jobId: string, event: WebhookEvent): string {
  return `msg_${createHash('sha256').update(`${customerId}\n${jobId}\n${event}`).digest('hex').slice(0, 32)}`;
}

/** The Standard Webhooks body of a job event; never an envelope. */
function webhookPayload(job: Job, event: WebhookEvent, timestamp: string) {
  return {
    type: event,
    timestamp,
    data: {
      job_id: job.job_id,
      node_id: job.node_id,
      model_id: job.model_id,
      status: job.status,
      billing: billingView(job),
      receipt_hash: job.receipt_hash,
      completed_at: job.completed_at,
    },
  };
}

/** Seconds before the attempt after failed attempt `attempt` (1 = the first), or `undefined`: give up. */
function retryDelaySeconds(attempt: number, schedule: readonly number[] = RETRY_DELAYS_SECONDS): number | undefined {
  return schedule[attempt - 1];
}

/** The health after an attempt: a success clears it, a failure adds to it. */
function afterAttempt(health: EndpointHealth, delivered: boolean, at: string): EndpointHealth {
  if (delivered) return { consecutive_failures: 0, failing_since: null };
  return { consecutive_failures: health.consecutive_failures + 1, failing_since: health.failing_since ?? at };
}

function endpointStatus(health: EndpointHealth, now: Date): WebhookEndpointView['status'] {
  const since = health.failing_since === null ? undefined : Date.parse(health.failing_since);
  const longFailing = since !== undefined && now.getTime() - since >= FAILING_AFTER_MS;
  return health.consecutive_failures >= FAILING_AFTER_ATTEMPTS || longFailing ? 'failing' : 'active';
}

const HEALTHY: EndpointHealth = { consecutive_failures: 0, failing_since: null };

function endpointView(endpoint: WebhookEndpoint, health: EndpointHealth, now: Date): WebhookEndpointView {
  return {
    endpoint_id: endpoint.endpoint_id,
    url: endpoint.url,
    events: endpoint.events,
    created_at: endpoint.created_at,
    status: endpointStatus(health, now),
  };
}

export type { EndpointHealth, Resolve, UrlRules, WebhookEndpoint };
export {
  afterAttempt,
  allowedAddresses,
  DELIVERY_TIMEOUT_MS,
  endpointStatus,
  endpointView,
  FAILING_AFTER_ATTEMPTS,
  HEALTHY,
  isForbiddenAddress,
  MAX_ENDPOINTS_PER_CUSTOMER,
  newEndpointId,
  newWebhookSecret,
  parseEndpointRequest,
  parseWebhookUrl,
  RETRY_DELAYS_SECONDS,
  retryDelaySeconds,
  webhookEventOf,
  webhookMessageId,
  webhookPayload,
};
