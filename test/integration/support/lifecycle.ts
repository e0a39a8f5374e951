/**
 * Helpers for the job lifecycle against the local stack: the customer's cancel, moving a job's
 * deadlines into the past (the only way a test can make time pass for one job without touching
 * any other test's jobs), the workers run in-process with the Lambdas' configuration, and a
 * poll for what the deployed workers do on their own.
 */

import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { keys } from '../../../lambdas/adapters/dynamodb/items.js';
import { controlPlaneFromEnv } from '../../../lambdas/handlers/control-plane-from-env.js';
import type { ControlPlane } from '../../../lambdas/services/control-plane.js';
import { type ApiAnswer, callApi } from './api.js';
import { ledger, type TestCustomer } from './world.js';

const dynamodb = new DynamoDBClient({});

/** The control plane as the Lambdas build it, for running a worker's service in-process. */
const plane = controlPlaneFromEnv();

/**
 * The same control plane with some parts replaced, to inject a fault the emulator cannot produce
 * (an SQS outage, a store call that fails): the parts given win, every other part is the real one.
 */
function planeWith(parts: Partial<ControlPlane>): ControlPlane {
  return { ...plane, keyDirectory: () => plane.keyDirectory(), now: () => plane.now(), ...parts };
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

/** Moves a job's deadlines (and its place in the open-jobs index) `seconds` into the past. */
async function backdate(customerId: string, jobId: string, seconds: number): Promise<void> {
  const TableName = inject('localStack').outputs.TableName;
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

export { backdate, cancelJob, eventually, getJob, jobRows, plane, planeWith };
