/**
 * How a job moves and when it must end. A job is open while `queued` or `claimed`; every other
 * status is terminal. Each open job has a next deadline: its claim deadline while queued, its
 * completion deadline once claimed. A job past that deadline is expired and its reservation
 * released; nothing can settle it any more. Envelopes of a terminal job are kept for the
 * retention period after it closed, then purged.
 *
 * ```
 * queued ──pull──▶ claimed ──result + receipt──────▶ completed  (debit)
 *   │                 ├──failure / dead letter──────▶ failed     (release)
 *   │                 ├──cancel─────────────────────▶ cancelled  (release)
 *   │                 └──completion deadline passed─▶ expired    (release)
 *   ├──node queue gone / dead letter────────────────▶ failed     (release)
 *   ├──cancel───────────────────────────────────────▶ cancelled  (release)
 *   └──claim deadline passed────────────────────────▶ expired    (release)
 * ```
 */
import type { JobStatus } from '@b3iq/protocol';

type ReleaseStatus = 'failed' | 'expired' | 'cancelled';

/** Per-stage windows, in seconds. */
interface JobWindows {
  /** From creation until a node must have claimed the job. */
  claimSeconds: number;
  /** From creation until the job must be answered. */
  completionSeconds: number;
  /** How long a terminal job's envelopes are kept after it closed. */
  envelopeRetentionSeconds: number;
}

interface JobDeadlines {
  claim_deadline: string;
  completion_deadline: string;
}

interface LifecycleState extends JobDeadlines {
  status: JobStatus;
}

const isOpenStatus = (status: JobStatus): boolean => status === 'queued' || status === 'claimed';

function assertJobWindows(windows: JobWindows): JobWindows {
  const { claimSeconds, completionSeconds, envelopeRetentionSeconds } = windows;
  const positive = (value: number) => Number.isSafeInteger(value) && value > 0;
  if (!positive(claimSeconds) || !positive(completionSeconds) || !positive(envelopeRetentionSeconds)) {
    throw new RangeError('job windows must be positive whole seconds');
  }
  if (completionSeconds < claimSeconds) throw new RangeError('the completion window must not be shorter than the claim window');
  return windows;
}

const plusSeconds = (at: string, seconds: number): string => new Date(Date.parse(at) + seconds * 1000).toISOString();

function jobDeadlines(createdAt: string, windows: JobWindows): JobDeadlines {
  return {
    claim_deadline: plusSeconds(createdAt, windows.claimSeconds),
    completion_deadline: plusSeconds(createdAt, windows.completionSeconds),
  };
}

/** The deadline an open job must meet next; `undefined` once it is terminal. */
function nextDeadline(job: LifecycleState): string | undefined {
  if (job.status === 'queued') return job.claim_deadline;
  if (job.status === 'claimed') return job.completion_deadline;
  return undefined;
}

function isOverdue(job: LifecycleState, now: Date): boolean {
  const due = nextDeadline(job);
  return due !== undefined && Date.parse(due) <= now.getTime();
}

/**
 * What a cancel does: release an open job; answer a cancelled or expired job as it is (the
 * customer's aim, no run and no charge, already holds); refuse a completed or failed one.
 */
function cancelDecision(status: JobStatus): 'release' | 'answer' | 'refuse' {
  if (isOpenStatus(status)) return 'release';
  return status === 'cancelled' || status === 'expired' ? 'answer' : 'refuse';
}

/** When a job closed at `closedAt` has its envelopes purged: epoch seconds, DynamoDB's TTL format. */
function envelopePurgeTime(closedAt: string, windows: JobWindows): number {
  return Math.ceil(Date.parse(closedAt) / 1000) + windows.envelopeRetentionSeconds;
}

export type { JobDeadlines, JobWindows, ReleaseStatus };
export { assertJobWindows, cancelDecision, envelopePurgeTime, isOpenStatus, isOverdue, jobDeadlines, nextDeadline };
