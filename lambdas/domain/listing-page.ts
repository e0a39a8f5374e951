/**
 * The paging of the listings (`GET …/jobs`, `GET …/nodes`): the opaque cursor and what one page holds.
 *
 * A listing walks one index partition in its sort order (jobs: `{created_at}#{job_id}` newest first;
 * nodes: node id). The cursor carries the sort key of the last item the previous page evaluated and
 * the page continues strictly after it, so an item that existed when the walk began is in exactly one
 * page, whatever is added meanwhile. The cursor also names the listing, the customer and the filter it
 * was made for: sent with another, it is refused (400) rather than silently continuing a different walk.
 * It is base64url JSON, not signed: all it can steer is where in the caller's own listing a page starts.
 */
import { decodeBase64url, encodeBase64url } from '@b3iq/protocol';
import { Problem } from './problems.js';

type ListingName = 'jobs' | 'nodes';

/** What a cursor is bound to: the listing, the customer who asked and the filter (or `null`). */
interface CursorScope {
  listing: ListingName;
  customerId: string;
  filter: string | null;
}

/** Longest cursor accepted: a key is a timestamp and an id or an id (ids are at most 128 characters). */
const MAX_CURSOR_CHARS = 1024;

function encodeCursor(scope: CursorScope, after: string): string {
  const body = { v: 1, l: scope.listing, c: scope.customerId, f: scope.filter, a: after };
  return encodeBase64url(new TextEncoder().encode(JSON.stringify(body)));
}

const invalidCursor = () => new Problem('invalid_request', '"cursor" is not a next_cursor of this listing with these filters');

/**
 * The sort key a cursor continues after, if it was made for exactly this `scope` and its key is
 * well formed (`isKey`); else 400 `invalid_request`.
 */
function decodeCursor(cursor: string, scope: CursorScope, isKey: (key: string) => boolean): string {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_CHARS) throw invalidCursor();
  const bytes = decodeBase64url(cursor);
  if (bytes === undefined) throw invalidCursor();
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw invalidCursor();
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidCursor();
  const { v, l, c, f, a, ...rest } = body as Record<string, unknown>;
  const matches =
    Object.keys(rest).length === 0 &&
    v === 1 &&
    l === scope.listing &&
    c === scope.customerId &&
    f === scope.filter &&
    typeof a === 'string' &&
    isKey(a);
  if (!matches) throw invalidCursor();
  return a as string;
}

/**
 * One page from one index query that asked for `limit + 1` items: the first `limit` that matched the
 * filter, and where the next page starts. If more than `limit` matched, it starts after the last one
 * kept (the extra one comes again); otherwise after the last item the query evaluated (`lastEvaluated`,
 * `undefined` when the partition was read to its end: no next page). With a filter a page may hold
 * fewer than `limit` items, even none, and still have a next page.
 */
function planPage<T>(matched: T[], limit: number, keyOf: (item: T) => string, lastEvaluated: string | undefined) {
  if (matched.length > limit) {
    const items = matched.slice(0, limit);
    return { items, after: keyOf(items[items.length - 1] as T) };
  }
  return { items: matched, after: lastEvaluated };
}

export type { CursorScope, ListingName };
export { decodeCursor, encodeCursor, planPage };
