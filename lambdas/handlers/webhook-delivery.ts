/**
 * Lambda: the webhook delivery worker, fed by the delivery queue. Logs name the event and the
 * endpoint, never the secret, the signature or the body.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { resolveHost } from '../adapters/dns-resolver.js';
import { webhookQueue } from '../adapters/webhook-queue.js';
import { webhookSender } from '../adapters/webhook-sender.js';
import { required } from '../config.js';
import { RETRY_DELAYS_SECONDS } from '../domain/webhooks.js';
import { describeError, logger } from '../observability/logger.js';
import { recordWebhookAttempt, recordWebhookFailingEndpoint } from '../observability/metrics.js';
import type { WebhookDelivery } from '../services/ports/webhook-deliveries.js';
import { deliverWebhook } from '../services/webhook-delivery.js';
import { controlPlaneFromEnv } from './control-plane-from-env.js';
import { workerHandler } from './worker.js';

/** `WEBHOOK_RETRY_DELAYS_SECONDS` (comma-separated) replaces the schedule only on a test deployment; unset everywhere else. */
function scheduleFromEnv(env: NodeJS.ProcessEnv): readonly number[] {
  const raw = env.WEBHOOK_RETRY_DELAYS_SECONDS;
  if (raw === undefined || raw === '') return RETRY_DELAYS_SECONDS;
  const delays = raw.split(',').map(Number);
  if (!delays.every((delay) => Number.isSafeInteger(delay) && delay >= 0))
    throw new Error('WEBHOOK_RETRY_DELAYS_SECONDS must list whole seconds');
  return delays;
}

const plane = controlPlaneFromEnv(process.env, {});
const deps = {
  queue: webhookQueue(new SQSClient({}), required('WEBHOOK_QUEUE_URL')),
  sender: webhookSender(resolveHost),
  rules: { allowLocalHttp: process.env.WEBHOOK_LOCAL_HTTP === 'true' },
  schedule: scheduleFromEnv(process.env),
  onFailingEndpoint: recordWebhookFailingEndpoint,
};

/** Each message is one attempt; a message that could not be handled (not a failed POST: that is queued again) is retried by SQS. */
const handler = workerHandler(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      try {
        const delivery = JSON.parse(record.body) as WebhookDelivery;
        const outcome = await deliverWebhook(plane, deps, delivery);
        if (outcome === 'delivered' || outcome === 'retry_queued' || outcome === 'dropped') recordWebhookAttempt(outcome === 'delivered');
        logger.info('webhook attempt', {
          webhook_id: delivery.webhook_id,
          endpoint_id: delivery.endpoint_id,
          attempt: delivery.attempt,
          outcome,
        });
      } catch (error) {
        logger.error('webhook attempt not handled; it will be retried', { message_id: record.messageId, ...describeError(error) });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  return { batchItemFailures };
});

export { handler, scheduleFromEnv };
