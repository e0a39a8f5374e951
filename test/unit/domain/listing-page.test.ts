import { encodeBase64url } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';
import { type CursorScope, decodeCursor, encodeCursor, planPage } from '../../../lambdas/domain/listing-page.js';
import { Problem } from '../../../lambdas/domain/problems.js';

const JOBS: CursorScope = { listing: 'jobs', customerId: 'cust-a', filter: null };
const KEY = '2026-01-01T00:00:00.000Z#job-1';
const isKey = (key: string) => key.includes('#');
const raw = (body: unknown) => encodeBase64url(new TextEncoder().encode(JSON.stringify(body)));

function refusal(cursor: string, scope: CursorScope = JOBS): string | undefined {
  try {
    decodeCursor(cursor, scope, isKey);
    return undefined;
  } catch (error) {
    return error instanceof Problem ? error.code : 'not a problem';
  }
}

describe('listing cursors', () => {
  it('gives back the key it was made with, for the same listing, customer and filter', () => {
    for (const scope of [JOBS, { ...JOBS, filter: 'completed' }, { listing: 'nodes', customerId: 'cust-a', filter: 'm-1' }] as const) {
      expect(decodeCursor(encodeCursor(scope, KEY), scope, isKey)).toBe(KEY);
    }
  });

  it.each([
    ['another customer', { ...JOBS, customerId: 'cust-b' }],
    ['another status filter', { ...JOBS, filter: 'failed' }],
    ['a filter where there was none', { ...JOBS, filter: 'queued' }],
    ['another listing', { ...JOBS, listing: 'nodes' }],
  ] as const)('refuses a cursor made for %s (400 invalid_request)', (_case, scope) => {
    expect(refusal(encodeCursor(JOBS, KEY), scope)).toBe('invalid_request');
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'not*base64url'],
    ['non-canonical base64url', `${encodeCursor(JOBS, KEY).slice(0, -1)}=`],
    ['base64url of non-JSON', encodeBase64url(new TextEncoder().encode('{"v":1,'))],
    ['not UTF-8', encodeBase64url(new Uint8Array([0xff, 0xfe, 0x7b]))],
    ['a JSON array', raw([1, 'jobs'])],
    ['JSON null', raw(null)],
    ['another version', raw({ v: 2, l: 'jobs', c: 'cust-a', f: null, a: KEY })],
    ['an extra field', raw({ v: 1, l: 'jobs', c: 'cust-a', f: null, a: KEY, x: 1 })],
    ['a key that is not a string', raw({ v: 1, l: 'jobs', c: 'cust-a', f: null, a: 7 })],
    ['a malformed key', raw({ v: 1, l: 'jobs', c: 'cust-a', f: null, a: 'no-separator' })],
    ['a missing filter', raw({ v: 1, l: 'jobs', c: 'cust-a', a: KEY })],
    ['an edited customer', encodeCursor({ ...JOBS, customerId: 'cust-b' }, KEY)],
    ['too long', 'A'.repeat(2000)],
  ])('refuses a cursor that is %s (400 invalid_request)', (_case, cursor) => {
    expect(refusal(cursor)).toBe('invalid_request');
  });
});

describe('planPage (one query of limit + 1 items)', () => {
  const key = (n: number) => `k${n}`;

  it.each([
    // [case, matched, limit, last evaluated, items kept, next page after]
    ['more matched than the limit: continue after the last kept', [1, 2, 3, 4], 3, 'k4', [1, 2, 3], 'k3'],
    ['exactly the limit matched and the partition ended: no next page', [1, 2, 3], 3, undefined, [1, 2, 3], undefined],
    ['fewer matched (a filter dropped some): continue after the last evaluated', [1, 3], 3, 'k4', [1, 3], 'k4'],
    ['none matched but more to read: an empty page with a next page', [], 3, 'k4', [], 'k4'],
    ['nothing at all', [], 3, undefined, [], undefined],
  ] as const)('%s', (_case, matched, limit, lastEvaluated, items, after) => {
    expect(planPage([...matched], limit, key, lastEvaluated)).toEqual({ items, after });
  });
});
