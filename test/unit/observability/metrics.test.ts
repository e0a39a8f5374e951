/** The business metrics as CloudWatch reads them: one EMF line per flush, nothing when there is nothing. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { METRIC, METRICS_NAMESPACE } from '../../../lambdas/observability/metric-names.js';
import {
  publishMetrics,
  recordInsufficientBalance,
  recordJobEnded,
  recordJobQueued,
  recordOldestReservationAge,
  recordReservationConflict,
  recordTransactionCancelled,
} from '../../../lambdas/observability/metrics.js';

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [name: string]: unknown;
}

let written: string[];

beforeEach(() => {
  written = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  }
  // Powertools writes through console in some versions: capture that too.
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => void written.push(String(line)));
});

afterEach(() => {
  vi.restoreAllMocks();
});

function flushed(): Emf[] {
  publishMetrics();
  return written
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('_aws'))
    .map((line) => JSON.parse(line) as Emf);
}

describe('business metrics', () => {
  it('writes a queued job and its exact ciphertext size as one EMF line in the namespace, by service', () => {
    // 'AAAA' decodes to 3 bytes; 43 base64url characters to 32.
    recordJobQueued('AAAA');
    recordJobQueued('A'.repeat(43));

    const [line, ...rest] = flushed();

    expect(rest).toEqual([]);
    const [directive] = line!._aws.CloudWatchMetrics;
    expect(directive!.Namespace).toBe(METRICS_NAMESPACE);
    expect(directive!.Dimensions).toEqual([['service']]);
    expect(directive!.Metrics).toEqual(
      expect.arrayContaining([
        { Name: METRIC.jobsQueued, Unit: 'Count' },
        { Name: METRIC.requestCiphertextBytes, Unit: 'Bytes' },
      ]),
    );
    expect(line![METRIC.jobsQueued]).toEqual([1, 1]);
    expect(line![METRIC.requestCiphertextBytes]).toEqual([3, 32]);
  });

  it.each([
    { status: 'completed', name: METRIC.jobsCompleted },
    { status: 'failed', name: METRIC.jobsFailed },
    { status: 'expired', name: METRIC.jobsExpired },
    { status: 'cancelled', name: METRIC.jobsCancelled },
  ] as const)('counts a job that ended $status as $name', ({ status, name }) => {
    recordJobEnded(status);

    const [line] = flushed();

    expect(line![name]).toBe(1);
    expect(Object.values(METRIC).filter((metric) => metric !== name && line![metric] !== undefined)).toEqual([]);
  });

  it('records the response size of a settled job, conflicts, refusals and the oldest reservation', () => {
    recordJobEnded('completed', 'AAAAAAAA');
    recordReservationConflict();
    recordInsufficientBalance();
    recordOldestReservationAge(42);

    const [line] = flushed();

    expect(line).toMatchObject({
      [METRIC.responseCiphertextBytes]: 6,
      [METRIC.reservationConflicts]: 1,
      [METRIC.insufficientBalance]: 1,
      [METRIC.oldestReservationAgeSeconds]: 42,
    });
  });

  it.each([
    { reason: 'condition', name: METRIC.transactionsCancelledCondition },
    { reason: 'transaction_conflict', name: METRIC.transactionsCancelledConflict },
    { reason: 'throttled', name: METRIC.transactionsCancelledThrottled },
  ] as const)('counts a transaction cancelled for $reason as $name, and nothing else', ({ reason, name }) => {
    recordTransactionCancelled(reason);
    recordTransactionCancelled(reason);

    const [line] = flushed();

    expect(line![name]).toEqual([1, 1]);
    expect(Object.values(METRIC).filter((metric) => metric !== name && line![metric] !== undefined)).toEqual([]);
  });

  it('writes nothing at all when nothing was recorded (no empty-metrics warning per request)', () => {
    publishMetrics();

    expect(written.join('')).toBe('');
  });
});
