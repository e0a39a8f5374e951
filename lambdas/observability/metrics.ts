/**
 * The control plane's business metrics as CloudWatch embedded-metric-format lines (Powertools
 * Metrics, bundled): what the dashboard graphs and the alarms watch. Values are counts, bytes
 * and seconds; no metric or dimension carries an id, a token or a payload. The names live in
 * `metric-names.ts`, which the CDK app imports without building a Metrics object.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ReleaseStatus } from '../domain/job-lifecycle.js';
import { DEFAULT_SERVICE_NAME, METRIC, METRICS_NAMESPACE } from './metric-names.js';

const ENDED: Record<ReleaseStatus | 'completed', string> = {
  completed: METRIC.jobsCompleted,
  failed: METRIC.jobsFailed,
  expired: METRIC.jobsExpired,
  cancelled: METRIC.jobsCancelled,
};

const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME });

/** Bytes a canonical unpadded base64url string decodes to. */
const decodedBytes = (base64url: string): number => Math.floor((base64url.length * 3) / 4);

function recordJobQueued(requestCiphertext: string): void {
  metrics.addMetric(METRIC.jobsQueued, MetricUnit.Count, 1);
  metrics.addMetric(METRIC.requestCiphertextBytes, MetricUnit.Bytes, decodedBytes(requestCiphertext));
}

function recordJobEnded(status: ReleaseStatus | 'completed', responseCiphertext?: string): void {
  metrics.addMetric(ENDED[status], MetricUnit.Count, 1);
  if (responseCiphertext !== undefined)
    metrics.addMetric(METRIC.responseCiphertextBytes, MetricUnit.Bytes, decodedBytes(responseCiphertext));
}

/** A balance write lost a race to another writer of the same account and was tried again. */
function recordReservationConflict(): void {
  metrics.addMetric(METRIC.reservationConflicts, MetricUnit.Count, 1);
}

const CANCELLED: Record<TransactionCancelReason, string> = {
  condition: METRIC.transactionsCancelledCondition,
  transaction_conflict: METRIC.transactionsCancelledConflict,
  throttled: METRIC.transactionsCancelledThrottled,
};

type TransactionCancelReason = 'condition' | 'transaction_conflict' | 'throttled';

/** DynamoDB cancelled a transaction: counted once, under its reason. */
function recordTransactionCancelled(reason: TransactionCancelReason): void {
  metrics.addMetric(CANCELLED[reason], MetricUnit.Count, 1);
}

function recordInsufficientBalance(): void {
  metrics.addMetric(METRIC.insufficientBalance, MetricUnit.Count, 1);
}

function recordOldestReservationAge(seconds: number): void {
  metrics.addMetric(METRIC.oldestReservationAgeSeconds, MetricUnit.Seconds, seconds);
}

/** One webhook attempt's outcome; `onFailingEndpoint` when it failed on an endpoint that is `failing`. */
function recordWebhookAttempt(delivered: boolean): void {
  metrics.addMetric(delivered ? METRIC.webhooksDelivered : METRIC.webhookAttemptsFailed, MetricUnit.Count, 1);
}

function recordWebhookFailingEndpoint(): void {
  metrics.addMetric(METRIC.webhookFailingEndpointAttempts, MetricUnit.Count, 1);
}

/** Writes what this invocation recorded, if anything (an empty flush would only warn). */
function publishMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

export {
  publishMetrics,
  recordInsufficientBalance,
  recordJobEnded,
  recordJobQueued,
  recordOldestReservationAge,
  recordReservationConflict,
  recordTransactionCancelled,
  recordWebhookAttempt,
  recordWebhookFailingEndpoint,
};
