/** The webhook delivery queue on SQS (standard, KMS-encrypted, with a dead-letter queue; lib/constructs/webhook-deliveries.ts). */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeliveryQueue } from '../services/ports/webhook-deliveries.js';

function webhookQueue(client: SQSClient, queueUrl: string): DeliveryQueue {
  return {
    async send(delivery, delaySeconds) {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(delivery), DelaySeconds: delaySeconds }));
    },
  };
}

export { webhookQueue };
