/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com/): a delivery carries
 * `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`, a space-separated list
 * of `v1,<base64 HMAC-SHA256>` over `{id}.{timestamp}.{body}`, keyed with the base64-decoded bytes
 * of the endpoint's secret (`whsec_<base64>`). The control plane signs; the SDK verifies.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** How far a delivery's timestamp may be from the receiver's clock: a replay older than this is refused. */
const WEBHOOK_TOLERANCE_SECONDS = 300;

/** The secret's key bytes: the base64 after `whsec_` (a bare base64 secret is accepted too). */
function webhookSecretBytes(secret: string): Buffer {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new Error('a webhook secret is whsec_ followed by base64');
  return Buffer.from(encoded, 'base64');
}

/** The `webhook-signature` value of one delivery: `v1,` + base64 HMAC-SHA256 over `{id}.{timestamp}.{body}`. */
function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', webhookSecretBytes(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

type WebhookHeaders = Record<string, string | string[] | undefined> | Headers;

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const found = Object.entries(headers as Record<string, string | string[] | undefined>).find(([key]) => key.toLowerCase() === name);
  const value = found?.[1];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks a delivery as received (`payload` the raw body text, before any JSON parsing) and answers
 * its parsed body; throws `WebhookVerificationError` when a header is missing, the timestamp is
 * more than 5 minutes from `now`, or no `v1` signature matches.
 */
function verifyWebhook(payload: string, headers: WebhookHeaders, secret: string, options: { now?: Date } = {}): unknown {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (id === undefined || timestamp === undefined || signatures === undefined) {
    throw new WebhookVerificationError('missing webhook-id, webhook-timestamp or webhook-signature');
  }
  const seconds = /^\d{1,15}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (!Number.isSafeInteger(seconds) || Math.abs(nowSeconds - seconds) > WEBHOOK_TOLERANCE_SECONDS) {
    throw new WebhookVerificationError('webhook-timestamp is missing, malformed or too far from now');
  }
  const expected = Buffer.from(signWebhook(secret, id, seconds, payload));
  const matches = signatures.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new WebhookVerificationError('no webhook-signature matches');
  return JSON.parse(payload) as unknown;
}

export type { WebhookHeaders };
export { signWebhook, verifyWebhook, WEBHOOK_SECRET_PREFIX, WEBHOOK_TOLERANCE_SECONDS, WebhookVerificationError, webhookSecretBytes };
