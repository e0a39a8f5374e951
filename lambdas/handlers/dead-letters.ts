/** Lambda: the dead-letter consumer, fed by the node queues' dead-letter queue. */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describeError, logger } from '../observability/logger.js';
import { failDeadLetteredCommand } from '../services/dead-letters.js';
import { controlPlaneFromEnv } from './control-plane-from-env.js';
import { workerHandler } from './worker.js';

const plane = controlPlaneFromEnv(process.env, {});

/** Reports the messages it could not handle, so that only those are retried. */
const handler = workerHandler(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      const outcome = await failDeadLetteredCommand(plane, record.body);
      logger.info('dead letter', { message_id: record.messageId, outcome });
    } catch (error) {
      logger.error('dead letter not handled; it will be retried', { message_id: record.messageId, ...describeError(error) });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
});

export { handler };
