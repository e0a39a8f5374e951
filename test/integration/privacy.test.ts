/**
 * What the control plane keeps of a job it routed: the prompt and the answer are nowhere in its
 * table (not as text, not as decoded base64url), only the envelopes sealed to the node and to the
 * customer. The job runs over HTTP through the deployed API and the reference node agent; the
 * customer opens the answer with the request's secret to show the text was really there to find.
 */
import { randomBytes } from 'node:crypto';
import { type AttributeValue, DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { decodeBase64url, type JobView, openEnvelope, sealEnvelope } from '@b3iq/protocol';
import { describe, expect, inject, it } from 'vitest';
import { useEchoNode } from './support/node-agent.js';
import { tableName } from './support/table.js';
import { newCustomer, uniqueId } from './support/world.js';

const { apiUrl } = inject('localStack');
const MODEL = 'echo-1';
const node = useEchoNode({ modelId: MODEL, priceWei: 1000n });

/** Every string an item holds, at any depth, as stored and (where it decodes) as base64url bytes read as text. */
function* storedTexts(value: AttributeValue): Generator<string> {
  if (value.S !== undefined) {
    yield value.S;
    const bytes = decodeBase64url(value.S);
    if (bytes !== undefined) yield Buffer.from(bytes).toString('latin1');
  }
  if (value.B !== undefined) yield Buffer.from(value.B).toString('latin1');
  for (const inner of value.L ?? []) yield* storedTexts(inner);
  for (const inner of Object.values(value.M ?? {})) yield* storedTexts(inner);
  yield* value.SS ?? [];
}

async function tableHolds(marker: string): Promise<string[]> {
  const found: string[] = [];
  for await (const page of paginateScan({ client: new DynamoDBClient({}) }, { TableName: tableName(), ConsistentRead: true })) {
    for (const item of page.Items ?? []) {
      if ([...storedTexts({ M: item })].some((text) => text.includes(marker))) found.push(`${item.pk?.S} ${item.sk?.S}`);
    }
  }
  return found;
}

async function customerCall(method: string, route: string, customer: { customerId: string; token: string }, body?: unknown) {
  const response = await fetch(`${apiUrl}${route}`, {
    method,
    headers: {
      'X-B3IQ-Customer-ID': customer.customerId,
      'X-B3IQ-Customer-Token': customer.token,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as JobView };
}

describe('what the control plane keeps of a job', () => {
  it('holds neither the prompt nor the answer in any table item, as text or as decoded base64url', async () => {
    // Prepare: a prompt no other test writes
    const marker = `secret-${randomBytes(12).toString('hex')}`;
    const customer = await newCustomer(1_000_000n);
    const transportKey = node.keys().transportKeys[0]!;
    const jobId = uniqueId('job');
    const plaintext = new TextEncoder().encode(JSON.stringify({ messages: [{ role: 'user', content: marker }] }));
    const binding = { key_id: transportKey.keyId, node_id: node.keys().nodeId, model_id: MODEL };
    const sealed = sealEnvelope('request', decodeBase64url(transportKey.publicKey)!, binding, plaintext);

    // Act
    const accepted = await customerCall('POST', '/v1/private-inference/jobs', customer, {
      job_id: jobId,
      node_id: node.keys().nodeId,
      model_id: MODEL,
      encrypted_request: sealed.envelope,
    });
    let job = accepted.body;
    for (let polls = 0; job.status !== 'completed' && polls < 120; polls++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      job = (await customerCall('GET', `/v1/private-inference/jobs/${jobId}`, customer)).body;
    }

    // Assess: the customer can open the answer, and it carries the marker...
    expect(accepted.status).toBe(202);
    expect(job.status).toBe('completed');
    const answer = openEnvelope('response', sealed.ephemeralSecretKey, job.encrypted_response!, { ...binding, job_id: jobId });
    expect(new TextDecoder().decode(answer)).toContain(marker);
    // ...which appears nowhere the control plane stored the job, its envelopes, ledger rows and receipt,
    // though the same scan finds the job's own items by its id
    expect(await tableHolds(marker)).toEqual([]);
    expect((await tableHolds(jobId)).length).toBeGreaterThan(1);
  }, 90_000);
});
