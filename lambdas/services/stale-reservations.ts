/**
 * `POST /v1/admin/reservations/release-stale`: lists the reservations of open jobs that are stale
 * (past their deadline, or older than `older_than_seconds`) and, unless `dry_run`, expires those
 * jobs and releases their reservations. `dry_run` defaults to true: releasing is asked for.
 */

import type { StaleReservations } from '@b3iq/protocol';
import { formatWei, RELEASE_STALE } from '@b3iq/protocol';
import { closedObject, integerField } from '../domain/json-object.js';
import { Problem } from '../domain/problems.js';
import type { ControlPlane } from './control-plane.js';
import { releaseNamedJob } from './job-closing.js';
import { OPEN_SHARDS, type OpenJobPage, type OpenJobRef } from './ports/open-jobs.js';

interface StaleQuery {
  dryRun: boolean;
  olderThanSeconds: number | undefined;
  limit: number;
}

function parseStaleQuery(body: unknown): StaleQuery {
  const fields = closedObject(body, RELEASE_STALE);
  const { dry_run: dryRun = RELEASE_STALE.properties.dry_run.default } = fields;
  if (typeof dryRun !== 'boolean') throw new Problem('invalid_request', '"dry_run" must be true or false');
  const olderThanSeconds = integerField(fields, 'older_than_seconds', RELEASE_STALE.properties.older_than_seconds);
  const limit = integerField(fields, 'limit', RELEASE_STALE.properties.limit);
  return { dryRun, olderThanSeconds, limit };
}

/** Open jobs that are overdue at `asOf` or were created at or before `createdBy`, up to `limit`. */
async function findStale(plane: ControlPlane, asOf: string, createdBy: string | undefined, limit: number): Promise<OpenJobRef[]> {
  const found: OpenJobRef[] = [];
  for (const shard of OPEN_SHARDS) {
    if (found.length >= limit) break;
    let start: OpenJobPage['next'];
    do {
      // Without an age, only overdue jobs are stale: the index's key condition finds exactly those.
      const page = await plane.store.openJobs(shard, {
        limit: 100,
        ...(createdBy === undefined ? { dueBy: asOf } : {}),
        ...(start ? { start } : {}),
      });
      found.push(...page.jobs.filter((job) => job.due_at <= asOf || (createdBy !== undefined && job.created_at <= createdBy)));
      start = page.next;
    } while (start !== undefined && found.length < limit);
  }
  return found.slice(0, limit);
}

async function releaseStaleReservations(plane: ControlPlane, query: StaleQuery): Promise<StaleReservations> {
  const now = plane.now();
  const asOf = now.toISOString();
  const createdBy =
    query.olderThanSeconds === undefined ? undefined : new Date(now.getTime() - query.olderThanSeconds * 1000).toISOString();
  const stale = await findStale(plane, asOf, createdBy, query.limit);
  const reservations: StaleReservations['reservations'] = [];
  for (const ref of stale) {
    let outcome: StaleReservations['reservations'][number]['outcome'] = 'would_release';
    if (!query.dryRun) {
      const result = await releaseNamedJob(
        plane,
        { customerId: ref.customer_id, jobId: ref.job_id },
        { status: 'expired', reason: 'released_by_operator' },
      );
      outcome = result?.released ? 'released' : 'unchanged';
    }
    reservations.push({
      customer_id: ref.customer_id,
      job_id: ref.job_id,
      node_id: ref.node_id,
      status: ref.status,
      reserved_price_wei: formatWei(ref.reserved_price_wei),
      created_at: ref.created_at,
      due_at: ref.due_at,
      outcome,
    });
  }
  return { dry_run: query.dryRun, as_of: asOf, count: reservations.length, reservations };
}

export type { StaleQuery };
export { parseStaleQuery, releaseStaleReservations };
