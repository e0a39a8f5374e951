/**
 * The instant by which a request must stop starting new work, so that the function answers before
 * its timeout. The API handler sets it from the Lambda context at the start of each invocation;
 * every `retryOnConflict` of the request stops there (429 `rate_limited`), and the store's
 * transactions learn an unknown outcome by then (adapters/dynamodb/transactions.ts). Carried in
 * async-local storage so every retry loop of the request sees it without threading it through
 * each use case.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Time kept back from the function's remaining time. After the deadline one attempt may still be
 * in flight, and a transaction whose outcome is unknown is repeated with its token and, at worst,
 * fenced (transactions.ts): each is one DynamoDB call bounded by the client's request timeout and
 * attempts (control-plane-from-env.ts: 2 attempts of 1 s), so the last attempt, the repeats and a fence fit in
 * the margin with room to answer.
 */
const DEADLINE_MARGIN_MS = 4000;

/** The deadline when a request's remaining time is unknown (a worker, a test without a context). */
const DEFAULT_BUDGET_MS = 20_000;

interface RequestDeadline {
  /** Stop starting new attempts at this instant (epoch ms). */
  stopBy: number;
  /** A transaction whose outcome is unknown is settled by this instant (epoch ms): the margin's end, less room to answer. */
  settleBy: number;
}

const current = new AsyncLocalStorage<RequestDeadline>();

/** The deadline for a function with `remainingMs` left at `nowMs`. */
function deadlineFor(remainingMs: number, nowMs: number): RequestDeadline {
  return { stopBy: nowMs + remainingMs - DEADLINE_MARGIN_MS, settleBy: nowMs + remainingMs - DEADLINE_MARGIN_MS / 4 };
}

/** Runs `work` with `deadline` as the request's deadline. */
function withDeadline<T>(deadline: RequestDeadline, work: () => Promise<T>): Promise<T> {
  return current.run(deadline, work);
}

/** The deadline of the request being served, or a default budget from `nowMs` when none was set. */
function requestDeadline(nowMs = Date.now()): RequestDeadline {
  return current.getStore() ?? deadlineFor(DEFAULT_BUDGET_MS + DEADLINE_MARGIN_MS, nowMs);
}

/** Runs a request's `work` under the deadline of a function with `remainingMs` left now (the API handlers' `WithinTime`). */
function withinRemainingTime<T>(remainingMs: number, work: () => Promise<T>): Promise<T> {
  return withDeadline(deadlineFor(remainingMs, Date.now()), work);
}

/** The deadline of the request being served, if one was set. */
const currentDeadline = (): RequestDeadline | undefined => current.getStore();

export type { RequestDeadline };
export { currentDeadline, DEADLINE_MARGIN_MS, deadlineFor, requestDeadline, withDeadline, withinRemainingTime };
