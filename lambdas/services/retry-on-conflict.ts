/**
 * Optimistic writes that lose a race read again and try again. One helper runs every such loop:
 * each attempt answers what it did, a short random pause spreads the retries of many writers to
 * one account, and after MAX_ATTEMPTS (or past the deadline) the caller is asked to retry later.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Problem } from '../domain/problems.js';
import { recordReservationConflict } from '../observability/metrics.js';
import { currentDeadline } from './request-deadline.js';

const MAX_ATTEMPTS = 64;

/** What the 429 of a contended write asks the client to wait: contention of this kind passes within a second. */
const RETRY_AFTER_SECONDS = 1;

/** What one attempt did: finished with a value, or lost a race and must be tried again. */
type Attempt<T> =
  | { done: T }
  /**
   * `account`: a balance write lost to another writer of the account (counted, then a pause);
   * `pause`: something else changed, or was read out of step (a pause);
   * `now`: what was read is already fresh (no pause).
   */
  | { retry: 'account' | 'pause' | 'now' };

const done = <T>(value: T): Attempt<T> => ({ done: value });
const RETRY = {
  afterAccountConflict: { retry: 'account' },
  afterPause: { retry: 'pause' },
  now: { retry: 'now' },
} as const satisfies Record<string, Attempt<never>>;

interface RetryOptions {
  /** Stop trying at this instant (epoch ms); by default the request's deadline (request-deadline.ts), if it has one. */
  stopBy?: number | (() => number);
  now?: () => number;
}

/** Waits up to 2^attempt ms (at most 50 ms), at random, before the next attempt. */
function backOff(attempt: number): Promise<void> {
  return sleep(Math.random() * Math.min(50, 2 ** attempt));
}

/** Runs `attempt` until it is done, up to MAX_ATTEMPTS times; then 429 `rate_limited`. */
async function retryOnConflict<T>(attempt: (number: number) => Promise<Attempt<T>>, options: RetryOptions = {}): Promise<T> {
  const now = options.now ?? Date.now;
  const given = options.stopBy ?? currentDeadline()?.stopBy;
  const stopBy = typeof given === 'function' ? given : () => given;
  for (let number = 1; number <= MAX_ATTEMPTS; number++) {
    if (number > 1 && isPast(stopBy(), now)) break;
    const outcome = await attempt(number);
    if ('done' in outcome) return outcome.done;
    if (outcome.retry === 'account') recordReservationConflict();
    if (outcome.retry !== 'now') await backOff(number);
  }
  throw new Problem('rate_limited', 'too many concurrent changes to this account or node; retry shortly', {
    retryAfterSeconds: RETRY_AFTER_SECONDS,
  });
}

const isPast = (stopBy: number | undefined, now: () => number) => stopBy !== undefined && now() >= stopBy;

export type { Attempt, RetryOptions };
export { done, MAX_ATTEMPTS, RETRY, retryOnConflict };
