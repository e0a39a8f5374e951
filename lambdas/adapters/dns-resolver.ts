/** Host names to addresses through the system resolver (every A and AAAA record), for the webhook URL rules. */
import { lookup } from 'node:dns/promises';
import type { Resolve } from '../domain/webhooks.js';

const resolveHost: Resolve = async (host) => {
  try {
    return (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
  } catch {
    // A name that does not resolve has no address: the rules refuse it.
    return [];
  }
};

export { resolveHost };
