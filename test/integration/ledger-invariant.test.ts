/**
 * Random interleavings of credits, submissions, results, repeated results and failures, some at
 * once. After every step the ledger explains every account exactly, bucket by bucket, and no money is lost.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adminHeaders, callApi } from './support/api.js';
import { ledgerViolations, readLedgerSnapshot } from './support/ledger-invariant.js';
import { nodeCall, type Pulled, pull, resultFor } from './support/node-calls.js';
import { newCustomer, newNode, sealedJob, store, type TestCustomer, type TestNode, uniqueId } from './support/world.js';

type Step =
  | { kind: 'credit'; customer: number; amount: number }
  | { kind: 'submit'; customer: number; node: number; count: number }
  | { kind: 'answer'; node: number; repeat: boolean }
  | { kind: 'fail'; node: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('credit' as const), customer: fc.nat(1), amount: fc.integer({ min: 1, max: 2_000 }) }),
  fc.record({ kind: fc.constant('submit' as const), customer: fc.nat(1), node: fc.nat(1), count: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('answer' as const), node: fc.nat(1), repeat: fc.boolean() }),
  fc.record({ kind: fc.constant('fail' as const), node: fc.nat(1) }),
);

interface World {
  customers: TestCustomer[];
  nodes: TestNode[];
  jobs: { customerId: string; jobId: string }[];
}

async function apply(world: World, action: Step): Promise<void> {
  if (action.kind === 'credit') {
    const customer = world.customers[action.customer]!;
    await callApi('POST', '/v1/admin/customers/{customer_id}/credits', {
      params: { customer_id: customer.customerId },
      headers: adminHeaders(),
      json: { credit_id: uniqueId('credit'), amount_wei: String(action.amount) },
    });
  } else if (action.kind === 'submit') {
    const customer = world.customers[action.customer]!;
    const answers = await Promise.all(
      Array.from({ length: action.count }, () =>
        callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: sealedJob(world.nodes[action.node]!) }),
      ),
    );
    for (const answer of answers) {
      if (answer.status === 202) world.jobs.push({ customerId: customer.customerId, jobId: answer.body.job_id });
      else expect(answer.body.error.code).toBe('insufficient_balance');
    }
  } else {
    const node = world.nodes[action.node]!;
    const pulled: Pulled[] = await pull(node, 2);
    await Promise.all(
      pulled.map(async (item) => {
        const options = { commandId: item.command.command_id };
        if (action.kind === 'fail') {
          await nodeCall(node, 'failure', { lease_id: item.lease_id, code: 'inference_failed' }, options);
          return;
        }
        const result = resultFor(node, item);
        const posts = action.repeat ? [result, result] : [result];
        const answers = await Promise.all(posts.map((body) => nodeCall(node, 'result', body, options)));
        for (const answer of answers) expect(answer.status).toBe(200);
      }),
    );
  }
}

const sum = (values: bigint[]) => values.reduce((total, value) => total + value, 0n);

async function checkInvariant(world: World): Promise<void> {
  let debited = 0n;
  for (const customer of world.customers) {
    const jobIds = world.jobs.filter((job) => job.customerId === customer.customerId).map((job) => job.jobId);
    const snapshot = await readLedgerSnapshot(customer.customerId, jobIds);
    // balance = credits − debits; reserved = open reservations, bucket by bucket; no bucket below zero;
    // the usage read's running totals are those recomputed from every entry; each job has its rows.
    expect(ledgerViolations(snapshot)).toEqual([]);
    debited += sum(snapshot.rows.filter((row) => row.kind === 'debit').map((row) => row.amount_wei));
  }
  // What customers paid is exactly what nodes earned plus what the protocol kept.
  const earnings = await Promise.all(world.nodes.map((node) => store.getEarnings(node.nodeId)));
  expect(sum(earnings.map((node) => node.payout_wei + node.protocol_fee_wei))).toBe(debited);
}

describe('the ledger invariant', () => {
  it('holds after every step of random interleavings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
        const world: World = {
          customers: await Promise.all([newCustomer(3_000n), newCustomer(500n)]),
          nodes: await Promise.all([newNode({ priceWei: 400n }), newNode({ priceWei: 1_001n })]),
          jobs: [],
        };
        for (const action of steps) {
          await apply(world, action);
          await checkInvariant(world);
        }
      }),
      { numRuns: 25 },
    );
  }, 240_000);
});
