/**
 * The names of the control plane's business metrics: the CloudWatch namespace, the `service`
 * dimension's fallback and every metric name. Pure constants, so the CDK dashboard and alarms can
 * read them without building the Powertools Metrics object that `metrics.ts` builds at import.
 */

const METRICS_NAMESPACE = 'B3IQ/PrivateInference';

/** The `service` dimension when POWERTOOLS_SERVICE_NAME is unset; the stack sets it to `b3iq-<stage>`. */
const DEFAULT_SERVICE_NAME = 'b3iq-control-plane';

/** Every metric name, shared with the CDK dashboard and alarms. */
const METRIC = {
  jobsQueued: 'JobsQueued',
  jobsCompleted: 'JobsCompleted',
  jobsFailed: 'JobsFailed',
  jobsExpired: 'JobsExpired',
  jobsCancelled: 'JobsCancelled',
  reservationConflicts: 'ReservationConflicts',
  /** A cancelled TransactWriteItems, by its reason: a failed condition (a race lost on a version, a job id taken)... */
  transactionsCancelledCondition: 'TransactionsCancelledCondition',
  /** ...another transaction in flight on one of its items (DynamoDB's TransactionConflict)... */
  transactionsCancelledConflict: 'TransactionsCancelledConflict',
  /** ...or throttling. */
  transactionsCancelledThrottled: 'TransactionsCancelledThrottled',
  insufficientBalance: 'InsufficientBalance',
  requestCiphertextBytes: 'RequestCiphertextBytes',
  responseCiphertextBytes: 'ResponseCiphertextBytes',
  oldestReservationAgeSeconds: 'OldestReservationAgeSeconds',
  /** A webhook attempt failed on an endpoint that is `failing` (domain/webhooks.ts). */
  webhookFailingEndpointAttempts: 'WebhookFailingEndpointAttempts',
  webhooksDelivered: 'WebhooksDelivered',
  webhookAttemptsFailed: 'WebhookAttemptsFailed',
} as const;

export { DEFAULT_SERVICE_NAME, METRIC, METRICS_NAMESPACE };
