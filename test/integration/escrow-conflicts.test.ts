/**
 * One customer's concurrent reservations under DynamoDB's transaction conflict rules: the submit
 * service runs in-process on a store whose DynamoDB calls go through the conflict front (a
 * transaction that touches an item another one in flight holds is cancelled with
 * TransactionConflict, with DynamoDB's published latency), so that what the emulator alone would
 * run one after the other overlaps as on AWS. Each job goes to a node of its own: only the
 * customer's items can be shared between the transactions.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dynamoDbStore } from '../../lambdas/adapters/dynamodb/control-plane-store.js';
import { Problem } from '../../lambdas/domain/problems.js';
import type { ControlPlane } from '../../lambdas/services/control-plane.js';
import { submitJob } from '../../lambdas/services/submit-job.js';
import { type ConflictFront, startConflictFront } from '../../scripts/local/dynamodb-conflict-front.js';
import { ledgerViolations, readLedgerSnapshot } from './support/ledger-invariant.js';
import { planeWith } from './support/lifecycle.js';
import { tableName } from './support/table.js';
import { newCustomer, newNode, sealedJob, type TestCustomer, type TestNode } from './support/world.js';

let front: ConflictFront;
let client: DynamoDBClient;
let plane: ControlPlane;

beforeAll(async () => {
  front = await startConflictFront({ upstream: inject('localStack').awsEnv.AWS_ENDPOINT_URL as string, seed: 7 });
  client = new DynamoDBClient({ endpoint: front.url, maxAttempts: 1 });
  plane = planeWith({ store: dynamoDbStore(client, tableName()) });
});

afterAll(async () => {
  client?.destroy();
  await front?.stop();
});

/** Submits one job per node at once; answers each outcome (the accepted job id, or the problem code). */
function submitAll(customer: TestCustomer, nodes: TestNode[]) {
  return Promise.all(
    nodes.map(async (node) => {
      const body = sealedJob(node);
      try {
        const accepted = await submitJob(plane, {
          credentials: { customerId: customer.customerId, token: customer.token },
          named: { nodeId: node.nodeId },
          readBody: () => body,
        });
        return accepted.job_id;
      } catch (error) {
        if (error instanceof Problem) return error.code;
        throw error;
      }
    }),
  );
}

describe('one customer, 32 jobs at once, under DynamoDB conflict rules', () => {
  it('accepts every job when the balance covers them, with few transactions cancelled', async () => {
    // Prepare
    const price = 1_000n;
    const customer = await newCustomer(1_000_000n);
    const nodes = await Promise.all(Array.from({ length: 32 }, () => newNode({ priceWei: price })));
    const before = front.stats();

    // Act
    const outcomes = await submitAll(customer, nodes);

    // Assess
    const after = front.stats();
    const cancelled = after.transactionsCancelled - before.transactionsCancelled;
    const attempts = (after.forwarded.TransactWriteItems ?? 0) - (before.forwarded.TransactWriteItems ?? 0) + cancelled;
    expect(outcomes.filter((outcome) => outcome.startsWith('job-'))).toHaveLength(32);
    // Each process-local lease keeps concurrent submissions on distinct buckets.
    expect(attempts / 32).toBeLessThanOrEqual(1.3);
    const snapshot = await readLedgerSnapshot(customer.customerId, outcomes);
    expect(ledgerViolations(snapshot)).toEqual([]);
    expect(snapshot.account).toEqual({ balance_wei: 1_000_000n, reserved_wei: 32n * price, available_wei: 1_000_000n - 32n * price });
  }, 120_000);

  it('accepts exactly as many jobs as a thin balance covers, and refuses the rest 402', async () => {
    // Prepare: 10 prices spread over every bucket, so that no bucket covers a job without a refill.
    const price = 1_000n;
    const customer = await newCustomer(10n * price);
    const nodes = await Promise.all(Array.from({ length: 32 }, () => newNode({ priceWei: price })));

    // Act
    const outcomes = await submitAll(customer, nodes);

    // Assess
    const accepted = outcomes.filter((outcome) => outcome.startsWith('job-'));
    expect(accepted).toHaveLength(10);
    expect(outcomes.filter((outcome) => !outcome.startsWith('job-'))).toEqual(Array(22).fill('insufficient_balance'));
    const snapshot = await readLedgerSnapshot(customer.customerId, accepted);
    expect(ledgerViolations(snapshot)).toEqual([]);
    expect(snapshot.account).toEqual({ balance_wei: 10n * price, reserved_wei: 10n * price, available_wei: 0n });
  }, 120_000);
});
