/**
 * Optimistic writes that lose a race re-read and try again. A short random pause spreads the
 * retries of many writers to one account; after MAX_ATTEMPTS the caller is asked to retry later.
 */
import { setTimeout as sleep } from 'node:timers/promises';

const MAX_ATTEMPTS = 64;

/** Waits up to 2^attempt ms (at most 50 ms), at random, before the next attempt. */
function backOff(attempt: number): Promise<void> {
  return sleep(Math.random() * Math.min(50, 2 ** attempt));
}

export { backOff, MAX_ATTEMPTS };
