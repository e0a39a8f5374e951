/**
 * Stands in for a node until nodes can post results: opens a queued job's request with the node's
 * secret key, seals an answer back to the request's sender and records it on the job, as a
 * completed job will look. Only the job item changes; no money moves.
 */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { decodeBase64url } from '../../../lambdas/transport/base64url.js';
import { openEnvelope, sealEnvelope } from '../../../lambdas/transport/seal.js';
import { storedJob, type TestNode } from './world.js';

const dynamodb = new DynamoDBClient({});

/** Answers the job with `reply(prompt)`; returns the prompt the node saw. */
async function answerJob(customerId: string, jobId: string, node: TestNode, reply: (prompt: string) => string): Promise<string> {
  const job = await storedJob(customerId, jobId);
  if (job === undefined) throw new Error(`no job ${jobId}`);
  const binding = { key_id: job.encrypted_request.key_id, node_id: job.node_id, model_id: job.model_id };
  const request = JSON.parse(new TextDecoder().decode(openEnvelope('request', node.secretKey, job.encrypted_request, binding)));
  const prompt = request.messages.at(-1).content as string;
  const answer = { message: { role: 'assistant', content: reply(prompt) }, usage: { prompt_tokens: 1, completion_tokens: 1 } };
  const { envelope } = sealEnvelope(
    'response',
    decodeBase64url(job.encrypted_request.client_public_key_x25519)!,
    { ...binding, job_id: jobId },
    new TextEncoder().encode(JSON.stringify(answer)),
  );
  await dynamodb.send(
    new UpdateItemCommand({
      TableName: inject('localStack').outputs.TableName,
      Key: { pk: { S: `JOB#${customerId}#${jobId}` }, sk: { S: 'JOB' } },
      UpdateExpression: 'SET #status = :completed, encrypted_response = :response, completed_at = :now',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':completed': { S: 'completed' },
        ':response': { M: Object.fromEntries(Object.entries(envelope).map(([key, value]) => [key, { S: value }])) },
        ':now': { S: new Date().toISOString() },
      },
    }),
  );
  return prompt;
}

export { answerJob };
