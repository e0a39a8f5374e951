import type { JobStatus } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';
import {
  assertJobWindows,
  cancelDecision,
  envelopePurgeTime,
  isOpenStatus,
  isOverdue,
  type JobWindows,
  jobDeadlines,
  nextDeadline,
} from '../../../lambdas/domain/job-lifecycle.js';

const WINDOWS: JobWindows = { claimSeconds: 900, completionSeconds: 3600, envelopeRetentionSeconds: 604_800 };
const CLAIM_DEADLINE = '2026-01-02T03:19:05.678Z';
const COMPLETION_DEADLINE = '2026-01-02T04:04:05.678Z';
const ALL_STATUSES: JobStatus[] = ['queued', 'claimed', 'completed', 'failed', 'expired', 'cancelled'];

const job = (status: JobStatus) => ({ status, claim_deadline: CLAIM_DEADLINE, completion_deadline: COMPLETION_DEADLINE });
const msAfter = (at: string, ms: number) => new Date(Date.parse(at) + ms);

describe('jobDeadlines', () => {
  it.each([
    { case: 'milliseconds kept', createdAt: '2026-01-02T03:04:05.678Z', claim: CLAIM_DEADLINE, completion: COMPLETION_DEADLINE },
    {
      case: 'whole seconds, written back with .000',
      createdAt: '2026-01-02T03:04:05Z',
      claim: '2026-01-02T03:19:05.000Z',
      completion: '2026-01-02T04:04:05.000Z',
    },
    {
      case: 'across midnight and a month end',
      createdAt: '2026-01-31T23:50:00.000Z',
      claim: '2026-02-01T00:05:00.000Z',
      completion: '2026-02-01T00:50:00.000Z',
    },
    {
      case: 'across a leap day',
      createdAt: '2028-02-28T23:30:00.000Z',
      claim: '2028-02-28T23:45:00.000Z',
      completion: '2028-02-29T00:30:00.000Z',
    },
  ])('adds the claim and completion windows to created_at ($case)', ({ createdAt, claim, completion }) => {
    // Act
    const deadlines = jobDeadlines(createdAt, WINDOWS);

    // Assess
    expect(deadlines).toEqual({ claim_deadline: claim, completion_deadline: completion });
  });

  it('measures both deadlines from created_at, not one from the other (equal windows)', () => {
    // Act
    const deadlines = jobDeadlines('2026-01-02T03:04:05.678Z', { ...WINDOWS, claimSeconds: 60, completionSeconds: 60 });

    // Assess
    expect(deadlines).toEqual({ claim_deadline: '2026-01-02T03:05:05.678Z', completion_deadline: '2026-01-02T03:05:05.678Z' });
  });
});

describe('nextDeadline', () => {
  it.each<{ case: JobStatus; expected: string | undefined }>([
    { case: 'queued', expected: CLAIM_DEADLINE },
    { case: 'claimed', expected: COMPLETION_DEADLINE },
    { case: 'completed', expected: undefined },
    { case: 'failed', expected: undefined },
    { case: 'expired', expected: undefined },
    { case: 'cancelled', expected: undefined },
  ])('is the deadline a $case job must meet next', ({ case: status, expected }) => {
    expect(nextDeadline(job(status))).toBe(expected);
  });
});

describe('isOverdue', () => {
  it.each<{ case: string; status: JobStatus; now: Date; overdue: boolean }>([
    { case: 'queued, 1 ms before the claim deadline', status: 'queued', now: msAfter(CLAIM_DEADLINE, -1), overdue: false },
    { case: 'queued, exactly at the claim deadline', status: 'queued', now: msAfter(CLAIM_DEADLINE, 0), overdue: true },
    { case: 'queued, 1 ms after the claim deadline', status: 'queued', now: msAfter(CLAIM_DEADLINE, 1), overdue: true },
    {
      case: 'claimed, past the claim deadline but 1 ms before completion',
      status: 'claimed',
      now: msAfter(COMPLETION_DEADLINE, -1),
      overdue: false,
    },
    { case: 'claimed, exactly at the completion deadline', status: 'claimed', now: msAfter(COMPLETION_DEADLINE, 0), overdue: true },
    { case: 'claimed, 1 ms after the completion deadline', status: 'claimed', now: msAfter(COMPLETION_DEADLINE, 1), overdue: true },
    { case: 'completed, long after every deadline', status: 'completed', now: msAfter(COMPLETION_DEADLINE, 86_400_000), overdue: false },
    { case: 'failed, long after every deadline', status: 'failed', now: msAfter(COMPLETION_DEADLINE, 86_400_000), overdue: false },
    { case: 'expired, long after every deadline', status: 'expired', now: msAfter(COMPLETION_DEADLINE, 86_400_000), overdue: false },
    { case: 'cancelled, long after every deadline', status: 'cancelled', now: msAfter(COMPLETION_DEADLINE, 86_400_000), overdue: false },
  ])('is $overdue when $case', ({ status, now, overdue }) => {
    expect(isOverdue(job(status), now)).toBe(overdue);
  });
});

describe('isOpenStatus', () => {
  it.each<{ case: JobStatus; open: boolean }>([
    { case: 'queued', open: true },
    { case: 'claimed', open: true },
    { case: 'completed', open: false },
    { case: 'failed', open: false },
    { case: 'expired', open: false },
    { case: 'cancelled', open: false },
  ])('is $open for $case', ({ case: status, open }) => {
    expect(isOpenStatus(status)).toBe(open);
  });
});

describe('cancelDecision', () => {
  it.each<{ case: JobStatus; decision: 'release' | 'answer' | 'refuse' }>([
    { case: 'queued', decision: 'release' },
    { case: 'claimed', decision: 'release' },
    { case: 'cancelled', decision: 'answer' },
    { case: 'expired', decision: 'answer' },
    { case: 'completed', decision: 'refuse' },
    { case: 'failed', decision: 'refuse' },
  ])('decides $decision for a $case job', ({ case: status, decision }) => {
    expect(cancelDecision(status)).toBe(decision);
  });

  it('covers every status (exhaustive)', () => {
    expect(ALL_STATUSES.map(cancelDecision)).toEqual(['release', 'release', 'refuse', 'refuse', 'answer', 'answer']);
  });
});

describe('envelopePurgeTime', () => {
  it.each([
    { case: 'whole second', closedAt: '2026-01-02T03:04:05Z', expected: 1_767_323_045 + 604_800 },
    { case: 'whole second written with .000', closedAt: '2026-01-02T03:04:05.000Z', expected: 1_767_323_045 + 604_800 },
    { case: '1 ms past a second rounds up', closedAt: '2026-01-02T03:04:05.001Z', expected: 1_767_323_046 + 604_800 },
    { case: '999 ms past a second rounds up', closedAt: '2026-01-02T03:04:05.999Z', expected: 1_767_323_046 + 604_800 },
  ])('is the closing time in epoch seconds, rounded up, plus the retention ($case)', ({ closedAt, expected }) => {
    // Act
    const purgeAt = envelopePurgeTime(closedAt, WINDOWS);

    // Assess
    expect(purgeAt).toBe(expected);
    expect(Number.isSafeInteger(purgeAt)).toBe(true);
    expect(purgeAt * 1000 - Date.parse(closedAt)).toBeGreaterThanOrEqual(WINDOWS.envelopeRetentionSeconds * 1000);
  });

  it('uses the retention of the windows it is given (retention)', () => {
    expect(envelopePurgeTime('1970-01-01T00:00:00Z', { ...WINDOWS, envelopeRetentionSeconds: 1 })).toBe(1);
  });
});

describe('assertJobWindows', () => {
  it.each<{ case: string; windows: JobWindows }>([
    { case: 'defaults', windows: WINDOWS },
    { case: 'completion equal to claim', windows: { claimSeconds: 60, completionSeconds: 60, envelopeRetentionSeconds: 1 } },
    { case: 'one second each', windows: { claimSeconds: 1, completionSeconds: 1, envelopeRetentionSeconds: 1 } },
  ])('returns valid windows unchanged ($case)', ({ windows }) => {
    expect(assertJobWindows(windows)).toBe(windows);
  });

  it.each<{ case: string; change: Partial<JobWindows>; message: RegExp }>([
    { case: 'claim 0', change: { claimSeconds: 0 }, message: /positive whole seconds/ },
    { case: 'claim negative', change: { claimSeconds: -900 }, message: /positive whole seconds/ },
    { case: 'claim fractional', change: { claimSeconds: 900.5 }, message: /positive whole seconds/ },
    { case: 'claim NaN', change: { claimSeconds: Number.NaN }, message: /positive whole seconds/ },
    { case: 'completion 0', change: { completionSeconds: 0 }, message: /positive whole seconds/ },
    { case: 'completion fractional', change: { completionSeconds: 3600.1 }, message: /positive whole seconds/ },
    { case: 'completion infinite', change: { completionSeconds: Number.POSITIVE_INFINITY }, message: /positive whole seconds/ },
    { case: 'retention 0', change: { envelopeRetentionSeconds: 0 }, message: /positive whole seconds/ },
    { case: 'retention negative', change: { envelopeRetentionSeconds: -1 }, message: /positive whole seconds/ },
    { case: 'retention fractional', change: { envelopeRetentionSeconds: 0.5 }, message: /positive whole seconds/ },
    {
      case: 'completion 1 s shorter than claim',
      change: { claimSeconds: 3601, completionSeconds: 3600 },
      message: /completion window must not be shorter/,
    },
  ])('throws RangeError for invalid windows ($case)', ({ change, message }) => {
    // Act / Assess
    expect(() => assertJobWindows({ ...WINDOWS, ...change })).toThrow(RangeError);
    expect(() => assertJobWindows({ ...WINDOWS, ...change })).toThrow(message);
  });
});
