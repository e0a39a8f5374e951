/**
 * The whole path over HTTP: the SDK seals a job → the deployed API → the node's queue → the
 * reference agent (pulls, opens, answers, signs the receipt) → the SDK opens the answer; the
 * customer is debited once per job.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { B3iqClient, FileKeyStore, MemoryTrustStore } from 'b3iq-private-inference/sdk';
import { describe, expect, inject, it } from 'vitest';
import { useEchoNode } from './support/node-agent.js';
import { account, ledger, newCustomer, store } from './support/world.js';

const { apiUrl } = inject('localStack');
const PRICE = 2_000n;
const node = useEchoNode({ modelId: 'echo-1', priceWei: PRICE }, { concurrency: 3 });

describe('a job from the SDK to the node agent and back', () => {
  it('completes five parallel jobs, each opened by its customer and debited once', async () => {
    // Prepare
    const customer = await newCustomer(100_000n);
    const client = new B3iqClient({
      apiUrl,
      customerId: customer.customerId,
      customerToken: customer.token,
      keyStore: new FileKeyStore(mkdtempSync(path.join(tmpdir(), 'b3iq-keys-'))),
      trustStore: new MemoryTrustStore(),
    });
    const prompts = Array.from({ length: 5 }, (_, i) => `prompt ${i}: ${'ünïcödé '.repeat(i)}`);

    // Act
    const answers = await Promise.all(
      prompts.map(async (prompt) => {
        const accepted = await client.submitJob({ nodeId: node.keys().nodeId, modelId: 'echo-1', prompt });
        const job = await client.waitForJob(accepted.job_id, { timeoutMs: 60_000, intervalMs: 100 });
        return { job, answer: await client.openAnswer(job) };
      }),
    );

    // Assess
    expect(answers.map(({ job }) => job.status)).toEqual(Array(5).fill('completed'));
    expect(answers.map(({ answer }) => ('message' in answer ? answer.message.content : answer.error.code))).toEqual(prompts);
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 100_000n - 5n * PRICE, reserved_wei: 0n });
    expect((await ledger(customer.customerId)).filter((row) => row.kind === 'debit')).toHaveLength(5);
    const receipts = await Promise.all(answers.map(({ job }) => store.getReceipt(job.receipt_hash!)));
    expect(receipts.map((receipt) => receipt?.node_id)).toEqual(Array(5).fill(node.keys().nodeId));
    expect(await store.getEarnings(node.keys().nodeId)).toMatchObject({ payout_wei: 5n * (PRICE - PRICE / 10n) });
  }, 90_000);
});
