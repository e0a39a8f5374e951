/** Lambda: job ends to webhook events, fed by the table's stream (filtered to changed job items). */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { Item } from '../adapters/dynamodb/attributes.js';
import { jobIdsFromKey } from '../adapters/dynamodb/items.js';
import { webhookQueue } from '../adapters/webhook-queue.js';
import { required } from '../config.js';
import { logger } from '../observability/logger.js';
import { queueJobEvents } from '../services/webhook-events.js';
import { controlPlaneFromEnv } from './control-plane-from-env.js';
import { workerHandler } from './worker.js';

const plane = controlPlaneFromEnv(process.env, {});
const queue = webhookQueue(new SQSClient({}), required('WEBHOOK_QUEUE_URL'));

const handler = workerHandler(async (event: DynamoDBStreamEvent): Promise<void> => {
  const jobs = event.Records.flatMap((record) => {
    const ids = record.eventName === 'MODIFY' ? jobIdsFromKey((record.dynamodb?.Keys ?? {}) as Item) : undefined;
    return ids === undefined ? [] : [ids];
  });
  const outcomes = await queueJobEvents(plane, queue, jobs);
  logger.info('webhook events', { records: event.Records.length, queued: outcomes.filter((o) => o === 'queued').length });
});

export { handler };
