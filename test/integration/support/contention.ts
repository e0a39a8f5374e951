/**
 * The contention rules a test file runs under: the emulator's by default (ministack runs transactions
 * one at a time and never answers TransactionConflict), or DynamoDB's, through a conflict front
 * (scripts/local/dynamodb-conflict-front.ts) between the file's DynamoDB clients and the emulator.
 *
 * `useConflictFront()` points `AWS_ENDPOINT_URL_DYNAMODB` at a front of the file's own. The AWS SDK
 * resolves a client's endpoint at its first request, so it must run at the top level of the file before
 * any module that sends to DynamoDB is imported (statically imported modules run first: import them
 * dynamically after it). Only the file's in-process clients are routed; the deployed Lambdas, shared
 * with the other files, are not.
 */
import { afterAll, inject } from 'vitest';
import type { Contention } from '../../../scripts/local/aws-conflicts.js';
import { AWS_PROFILE, type LatencyProfile, type LatencySetting, type Percentiles } from '../../../scripts/local/conflict-front/latency.js';
import { type ConflictFront, startConflictFront } from '../../../scripts/local/dynamodb-conflict-front.js';

let current: Contention = 'emulator';

/** The contention rules of this file. */
function contention(): Contention {
  return current;
}

const scale = (percentiles: Percentiles, factor: number): Percentiles =>
  Object.fromEntries(Object.entries(percentiles).map(([name, ms]) => [name, ms * factor])) as unknown as Percentiles;

/** DynamoDB's published latency shrunk by `factor`: calls still overlap, at a fraction of the wait. */
function scaledAwsLatency(factor: number): LatencyProfile {
  return {
    item: scale(AWS_PROFILE.item, factor),
    batch: scale(AWS_PROFILE.batch, factor),
    transaction: AWS_PROFILE.transaction.map((size) => ({ items: size.items, percentiles: scale(size.percentiles, factor) })),
  };
}

/** Routes this file's DynamoDB clients through a conflict front of its own, stopped after the file. */
async function useConflictFront(latency: LatencySetting): Promise<ConflictFront> {
  const front = await startConflictFront({ upstream: inject('localStack').awsEnv.AWS_ENDPOINT_URL as string, latency });
  process.env.AWS_ENDPOINT_URL_DYNAMODB = front.url;
  current = 'aws-conflicts';
  // Registered first, so it runs after every other afterAll of the file (which may still use the table).
  afterAll(async () => {
    await front.stop();
  });
  return front;
}

export { contention, scaledAwsLatency, useConflictFront };
