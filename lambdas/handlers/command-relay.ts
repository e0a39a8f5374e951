/** Lambda: the outbox relay, fed by the table's stream (filtered to new job items). */
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { Item } from '../adapters/dynamodb/attributes.js';
import { jobIdsFromKey } from '../adapters/dynamodb/items.js';
import { logger } from '../observability/logger.js';
import { relayNewJobs } from '../services/command-relay.js';
import { controlPlaneFromEnv } from './control-plane-from-env.js';
import { workerHandler } from './worker.js';

const plane = controlPlaneFromEnv(process.env, { queues: true });

const handler = workerHandler(async (event: DynamoDBStreamEvent): Promise<void> => {
  const jobs = event.Records.flatMap((record) => {
    const ids = record.eventName === 'INSERT' ? jobIdsFromKey((record.dynamodb?.Keys ?? {}) as Item) : undefined;
    return ids === undefined ? [] : [ids];
  });
  const outcomes = await relayNewJobs(plane, jobs);
  const count = (outcome: string) => outcomes.filter((o) => o === outcome).length;
  logger.info('relayed', { records: event.Records.length, sent: count('sent'), released: count('released') });
});

export { handler };
