/**
 * The workers' batch contracts, driven through their Lambda handlers: the outbox relay fails the
 * stream batch when a send fails (the event source retries it, bisecting), the dead-letter
 * consumer reports exactly the messages it could not handle (`batchItemFailures`), and the
 * deadline sweeper starts no page once its time budget is spent. Each fault is injected by
 * stubbing the AWS SDK client's `send` for the one command the test targets: the emulator cannot
 * be made to fail a call on demand.
 */
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { handler as relay } from '../../lambdas/handlers/command-relay.js';
import { handler as deadLetters } from '../../lambdas/handlers/dead-letters.js';
import { handler as sweeper } from '../../lambdas/handlers/deadline-sweeper.js';
import { awsError, injectFault, mentions } from './support/aws-faults.js';
import { queuedJob } from './support/jobs.js';
import { getJob } from './support/lifecycle.js';
import { pull, pullJob } from './support/node-calls.js';
import { account, uniqueId } from './support/world.js';

/**
 * The workers, called as the Lambda runtime calls them: with the event and a context (a worker
 * that does not read the context ignores it).
 */
const runRelay = relay as (event: DynamoDBStreamEvent, context: Context) => Promise<unknown>;
const runDeadLetters = deadLetters as (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A Lambda context with `remainingMs` left before the function's timeout. */
function lambdaContext(remainingMs: number): Context {
  return {
    awsRequestId: uniqueId('req'),
    functionName: 'test-worker',
    getRemainingTimeInMillis: () => remainingMs,
  } as unknown as Context;
}

type QueuedJob = Awaited<ReturnType<typeof queuedJob>>;

async function jobStatus(job: QueuedJob) {
  const { body } = await getJob(job.customer, job.jobId);
  return { status: body.status, billing: body.billing.status };
}

describe('the outbox relay, a batch whose send fails', () => {
  /**
   * The stream record of a new job item, as the table's stream (filtered to new job items) hands
   * it over. The key format is the table's, as stored: `JOB#{customer}#{job}` / `JOB`.
   */
  function newJobRecord(job: QueuedJob, eventName: 'INSERT' | 'MODIFY' = 'INSERT') {
    return {
      eventID: uniqueId('ev'),
      eventName,
      eventSource: 'aws:dynamodb',
      dynamodb: {
        Keys: { pk: { S: `JOB#${job.customer.customerId}#${job.jobId}` }, sk: { S: 'JOB' } },
        SequenceNumber: String(Date.now()),
        StreamViewType: 'KEYS_ONLY',
      },
    } as DynamoDBStreamEvent['Records'][number];
  }

  /** Whether the handler told the event source to retry the record: by failing, or by naming it. */
  async function retried(run: Promise<unknown>, record: DynamoDBStreamEvent['Records'][number]): Promise<boolean> {
    try {
      const answer = (await run) as { batchItemFailures?: { itemIdentifier: string }[] } | undefined;
      const failed = answer?.batchItemFailures?.map((failure) => failure.itemIdentifier) ?? [];
      return failed.includes(record.dynamodb?.SequenceNumber ?? '') || failed.includes(record.eventID ?? '');
    } catch {
      return true;
    }
  }

  it('reports the batch failed when one send fails, and neither fails nor releases that job', async () => {
    // Prepare: two new jobs; SQS refuses the send of the first one's command (a throttled queue).
    const failing = await queuedJob(600n, 5_000n);
    const passing = await queuedJob(700n, 5_000n);
    const fault = injectFault(SQSClient, (command) =>
      command instanceof SendMessageCommand && mentions(command, failing.commandId)
        ? awsError('RequestThrottled', 'Request is throttled', 400)
        : undefined,
    );
    const records = [newJobRecord(failing), newJobRecord(passing)];

    // Act
    const reported = await retried(runRelay({ Records: records }, lambdaContext(30_000)), records[0]!);

    // Assess: the event source retries the failed job; a failed send is not a missing queue.
    expect(reported).toBe(true);
    expect(fault.injected).toBe(1);
    const sends = fault.sent.filter((command) => command instanceof SendMessageCommand);
    expect(sends.some((command) => mentions(command, passing.commandId))).toBe(true);
    vi.restoreAllMocks();
    expect(await jobStatus(failing)).toEqual({ status: 'queued', billing: 'reserved' });
    expect(await account(failing.customer.customerId)).toMatchObject({ balance_wei: 5_000n, reserved_wei: 600n });
  });

  it('relays the batch once the send works again, and the node receives the command once', async () => {
    // Prepare: the first run fails as above.
    const job = await queuedJob(800n, 5_000n);
    injectFault(SQSClient, (command) =>
      command instanceof SendMessageCommand && mentions(command, job.commandId) ? awsError('InternalError', 'internal', 500) : undefined,
    );
    const records = [newJobRecord(job)];
    expect(await retried(runRelay({ Records: records }, lambdaContext(30_000)), records[0]!)).toBe(true);
    vi.restoreAllMocks();

    // Act: the event source retries the same batch.
    const again = await retried(runRelay({ Records: records }, lambdaContext(30_000)), records[0]!);

    // Assess
    expect(again).toBe(false);
    const pulled = await pullJob(job.node, job.jobId);
    expect(pulled.delivery).toBe(1);
    expect(await pull(job.node, 10, 1)).toEqual([]);
  });

  it('ignores records that are not new job items (no send at all)', async () => {
    // Prepare
    const job = await queuedJob(900n, 5_000n);
    const fault = injectFault(SQSClient, () => undefined);
    const modified = newJobRecord(job, 'MODIFY');
    const notAJob = {
      ...newJobRecord(job),
      dynamodb: { Keys: { pk: { S: `CUSTOMER#${job.customer.customerId}` }, sk: { S: 'ACCOUNT' } } },
    };

    // Act
    const reported = await retried(runRelay({ Records: [modified, notAJob] }, lambdaContext(30_000)), modified);

    // Assess
    expect(reported).toBe(false);
    expect(fault.sent.filter((command) => command instanceof SendMessageCommand)).toEqual([]);
  });
});

describe('the dead-letter consumer, batchItemFailures', () => {
  function deadLetter(body: string): SQSRecord {
    return { messageId: uniqueId('msg'), body } as SQSRecord;
  }

  it('names exactly the messages it could not handle; the others are handled', async () => {
    // Prepare: two dead-lettered commands and a message that is not a command. Reading the second
    // command fails (DynamoDB throttles), so that one message cannot be handled now.
    const handled = await queuedJob(300n, 5_000n);
    const unhandled = await queuedJob(400n, 5_000n);
    const records = [
      deadLetter(JSON.stringify({ command_id: handled.commandId, job_id: handled.jobId })),
      deadLetter(JSON.stringify({ command_id: unhandled.commandId, job_id: unhandled.jobId })),
      deadLetter('not a command'),
    ];
    const fault = injectFault(DynamoDBClient, (command) =>
      mentions(command, unhandled.commandId) ? awsError('ProvisionedThroughputExceededException', 'throughput exceeded') : undefined,
    );

    // Act
    const answer = await runDeadLetters({ Records: records } as SQSEvent, lambdaContext(30_000));

    // Assess
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: records[1]!.messageId }] });
    expect(fault.injected).toBeGreaterThan(0);
    vi.restoreAllMocks();
    expect(await jobStatus(handled)).toEqual({ status: 'failed', billing: 'released' });
    expect(await account(handled.customer.customerId)).toMatchObject({ balance_wei: 5_000n, reserved_wei: 0n });
    expect(await jobStatus(unhandled)).toEqual({ status: 'queued', billing: 'reserved' });
    expect(await account(unhandled.customer.customerId)).toMatchObject({ balance_wei: 5_000n, reserved_wei: 400n });
  });

  it('handles the retried message once DynamoDB answers again, and reports nothing', async () => {
    // Prepare
    const job = await queuedJob(500n, 5_000n);
    const record = deadLetter(JSON.stringify({ command_id: job.commandId }));
    injectFault(DynamoDBClient, (command) =>
      mentions(command, job.commandId) ? awsError('InternalServerError', 'internal', 500) : undefined,
    );
    expect(await runDeadLetters({ Records: [record] } as SQSEvent, lambdaContext(30_000))).toEqual({
      batchItemFailures: [{ itemIdentifier: record.messageId }],
    });
    vi.restoreAllMocks();

    // Act
    const answer = await runDeadLetters({ Records: [record] } as SQSEvent, lambdaContext(30_000));

    // Assess
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(await jobStatus(job)).toEqual({ status: 'failed', billing: 'released' });
  });
});

describe('the deadline sweeper, its time budget', () => {
  /**
   * The sweeper's page reads: queries of the open-jobs index bounded by the sweep's instant. Each
   * one is failed here, so no job of any other test is ever expired by these tests. Only `Date` is
   * faked (frozen at `asOf`), so the sweep's instant is known before it starts and I/O runs as usual.
   */
  function failEveryPageRead() {
    const asOf = new Date();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(asOf);
    return injectFault(DynamoDBClient, (command) =>
      command instanceof QueryCommand && command.input.IndexName !== undefined && mentions(command, asOf.toISOString())
        ? awsError('InternalServerError', 'page read refused by the test', 500)
        : undefined,
    );
  }

  it('starts no page when less time is left than its margin, and reports an empty sweep', async () => {
    // Prepare
    const pageReads = failEveryPageRead();

    // Act
    const report = await sweeper({}, lambdaContext(5_000));

    // Assess
    expect(pageReads.injected).toBe(0);
    expect(report).toMatchObject({ examined: 0, expired: 0 });
    expect(report.oldest_reservation_age_seconds).toEqual(expect.any(Number));
  });

  it.each([
    { case: 'a minute left', context: () => lambdaContext(60_000) },
    { case: 'no Lambda context (run by hand)', context: () => undefined },
  ])('reads pages while time is left ($case)', async ({ context }) => {
    // Prepare
    const pageReads = failEveryPageRead();

    // Act
    const run = sweeper({}, context() as Context);

    // Assess: it went for the pages (and the refused reads fail the run, so nothing was expired).
    await expect(run).rejects.toThrow('page read refused by the test');
    expect(pageReads.injected).toBeGreaterThan(0);
  });
});
