/**
 * Helpers for the job lifecycle against the local stack: the customer's cancel, moving a job's
 * deadlines into the past (the only way a test can make time pass for one job without touching
 * any other test's jobs), the workers run in-process with the Lambdas' configuration, and a
 * poll for what the deployed workers do on their own.
 */

import { DynamoDBClient, GetItemCommand, TransactionConflictException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { keys } from '../../../lambdas/adapters/dynamodb/items.js';
import { controlPlaneFromEnv } from '../../../lambdas/handlers/control-plane-from-env.js';
import type { ControlPlane } from '../../../lambdas/services/control-plane.js';
import { expireOverdueJobs } from '../../../lambdas/services/deadline-sweeper.js';
import { type ApiAnswer, callApi } from './api.js';
import { tableName } from './table.js';
import { ledger, type TestCustomer } from './world.js';

const dynamodb = new DynamoDBClient({});

const planes = new Map<string, ControlPlane>();

/** The control plane as the Lambdas build it, on the file's current table (see table.ts), made on first use. */
function currentPlane(): ControlPlane {
  const table = tableName();
  let found = planes.get(table);
  if (found === undefined) {
    found = controlPlaneFromEnv({ ...process.env, TABLE_NAME: table });
    planes.set(table, found);
  }
  return found;
}

/** The control plane for running a worker's service in-process: it follows the file's table, as the handlers do. */
const plane = new Proxy({} as ControlPlane, {
  get: (_, property) => {
    const target = currentPlane();
    const value = Reflect.get(target, property, target);
    return typeof value === 'function' ? value.bind(target) : value;
  },
});

/**
 * The same control plane with some parts replaced, to inject a fault the emulator cannot produce
 * (an SQS outage, a store call that fails): the parts given win, every other part is the real one.
 */
function planeWith(parts: Partial<ControlPlane>): ControlPlane {
  const base = currentPlane();
  return { ...base, keyDirectory: () => base.keyDirectory(), now: () => base.now(), ...parts };
}

function cancelJob(
  customer: TestCustomer,
  jobId: string,
  call: { json?: unknown; body?: string; headers?: Record<string, string> } = {},
): Promise<ApiAnswer> {
  return callApi('POST', '/v1/private-inference/jobs/{job_id}/cancel', {
    params: { job_id: jobId },
    headers: { ...customer.headers, ...call.headers },
    ...(call.json === undefined ? {} : { json: call.json }),
    ...(call.body === undefined ? {} : { body: call.body }),
  });
}

function getJob(customer: TestCustomer, jobId: string): Promise<ApiAnswer> {
  return callApi('GET', '/v1/private-inference/jobs/{job_id}', { params: { job_id: jobId }, headers: customer.headers });
}

const earlier = (at: string, seconds: number) => new Date(Date.parse(at) - seconds * 1000).toISOString();

/**
 * Moves a job's deadlines (and its place in the open-jobs index) `seconds` into the past. Under
 * DynamoDB's conflict rules (support/contention.ts) a plain write to a job that a transaction in flight
 * holds fails with TransactionConflictException: time passing must not, so it is tried again, after the
 * transaction, from a fresh read.
 */
async function backdate(customerId: string, jobId: string, seconds: number): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await backdateOnce(customerId, jobId, seconds);
    } catch (error) {
      if (!(error instanceof TransactionConflictException) || attempt === 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

async function backdateOnce(customerId: string, jobId: string, seconds: number): Promise<void> {
  const TableName = tableName();
  const Key = keys.job(customerId, jobId);
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName, Key, ConsistentRead: true }));
  if (Item === undefined) throw new Error(`no job ${jobId}`);
  const claim = Item.claim_deadline?.S as string;
  const completion = Item.completion_deadline?.S as string;
  const due = Item.due_at?.S;
  await dynamodb.send(
    new UpdateItemCommand({
      TableName,
      Key,
      UpdateExpression: `SET claim_deadline = :claim, completion_deadline = :completion${due === undefined ? '' : ', due_at = :due'}`,
      ConditionExpression: 'claim_deadline = :oldClaim',
      ExpressionAttributeValues: {
        ':claim': { S: earlier(claim, seconds) },
        ':completion': { S: earlier(completion, seconds) },
        ':oldClaim': { S: claim },
        ...(due === undefined ? {} : { ':due': { S: earlier(due, seconds) } }),
      },
    }),
  );
}

/**
 * Expires whatever an earlier test of the file left overdue, so that a sweep or a release of
 * stale reservations after it deals only with the calling test's jobs. Only for a file with its
 * own table (table.ts): on the shared table it would end other files' jobs.
 */
async function sweepLeftovers(): Promise<void> {
  await expireOverdueJobs(plane);
}

/** Polls `read` until `done` holds (or throws after `timeoutMs`); answers the last value read. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The job's ledger rows, newest first, as [kind, amount, balance after, reserved after]. */
async function jobRows(customerId: string, jobId: string) {
  return (await ledger(customerId))
    .filter((row) => row.private_job_id === jobId)
    .map((row) => [row.kind, row.amount_wei, row.balance_after_wei, row.reserved_after_wei]);
}

export { backdate, cancelJob, eventually, getJob, jobRows, plane, planeWith, sweepLeftovers };
