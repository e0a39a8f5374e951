/**
 * Webhook POSTs over node:http(s). The URL's addresses are resolved and checked by the rules
 * (domain/webhooks.ts) first, and the connection is made only to a checked address (the socket's
 * lookup answers it): a name that re-resolves to a private address between check and connect
 * (DNS rebinding) cannot be reached. TLS still verifies the certificate against the URL's host.
 * No answer within 15 s counts as a failure; redirects are not followed.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { Problem } from '../domain/problems.js';
import { allowedAddresses, DELIVERY_TIMEOUT_MS, type Resolve, type UrlRules } from '../domain/webhooks.js';
import type { SendOutcome, WebhookSender } from '../services/ports/webhook-deliveries.js';

/** A lookup that answers only `address`, whatever it is asked. */
function pinnedLookup(address: string): LookupFunction {
  const family = isIP(address);
  return (_host, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

function webhookSender(resolve: Resolve, timeoutMs = DELIVERY_TIMEOUT_MS): WebhookSender {
  return {
    async post(urlText, rules: UrlRules, headers, body): Promise<SendOutcome> {
      const url = new URL(urlText);
      let address: string | undefined;
      try {
        [address] = await allowedAddresses(url, rules, resolve);
      } catch (error) {
        if (error instanceof Problem) return { type: 'failed', reason: 'address_refused' };
        throw error;
      }
      if (address === undefined) return { type: 'failed', reason: 'address_refused' };
      const client = url.protocol === 'https:' ? https : http;
      return new Promise<SendOutcome>((settle) => {
        const request = client.request(
          url,
          {
            method: 'POST',
            headers: { ...headers, 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'b3iq-webhooks/1' },
            lookup: pinnedLookup(address),
            signal: AbortSignal.timeout(timeoutMs),
          },
          (response) => {
            response.resume();
            const status = response.statusCode ?? 0;
            settle(status >= 200 && status < 300 ? { type: 'delivered', status } : { type: 'failed', status, reason: 'status' });
          },
        );
        request.on('error', (error) => settle({ type: 'failed', reason: error.name === 'AbortError' ? 'timeout' : 'connection' }));
        request.end(body);
      });
    },
  };
}

export { webhookSender };
