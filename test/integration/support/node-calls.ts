/**
 * A node's calls to the control plane, signed with its identity key as the agent signs them, and
 * the result a node posts: the answer sealed back to the customer and a signed receipt.
 */

import type { NodeCommand } from '@b3iq/protocol';
import { decodeBase64url, envelopeSha256, openEnvelope, receiptText, sealEnvelope, signNodeRequest, signReceipt } from '@b3iq/protocol';
import { type ApiAnswer, callApi } from './api.js';
import type { TestNode } from './world.js';

type NodeRoute = 'pull' | 'lease' | 'result' | 'failure';

const TEMPLATES: Record<NodeRoute, string> = {
  pull: '/v1/nodes/{node_id}/commands/pull',
  lease: '/v1/nodes/{node_id}/commands/{command_id}/lease',
  result: '/v1/nodes/{node_id}/commands/{command_id}/result',
  failure: '/v1/nodes/{node_id}/commands/{command_id}/failure',
};

/** A node call with a raw body (which may not be JSON at all), signed as the agent signs it. */
function rawNodeCall(node: TestNode, route: NodeRoute, body: string, commandId = ''): Promise<ApiAnswer> {
  const path = TEMPLATES[route].replace('{node_id}', node.nodeId).replace('{command_id}', commandId);
  const signed = signNodeRequest(node.identitySecretKey, node.nodeId, { method: 'POST', path, body });
  return callApi('POST', TEMPLATES[route], {
    params: { node_id: node.nodeId, ...(commandId === '' ? {} : { command_id: commandId }) },
    headers: { 'Content-Type': 'application/json', ...signed },
    body,
  });
}

/** Calls a node route as `signer` (default: the node itself) for `node`'s path. */
function nodeCall(
  node: TestNode,
  route: NodeRoute,
  json: unknown,
  options: { commandId?: string; signer?: TestNode; headers?: (signed: Record<string, string>) => Record<string, string> } = {},
): Promise<ApiAnswer> {
  const signer = options.signer ?? node;
  const params = { node_id: node.nodeId, ...(options.commandId === undefined ? {} : { command_id: options.commandId }) };
  const path = TEMPLATES[route].replace('{node_id}', node.nodeId).replace('{command_id}', options.commandId ?? '');
  const body = JSON.stringify(json);
  const signed = signNodeRequest(signer.identitySecretKey, signer.nodeId, { method: 'POST', path, body });
  return callApi('POST', TEMPLATES[route], {
    params,
    headers: { 'Content-Type': 'application/json', ...(options.headers ? options.headers(signed) : signed) },
    body,
  });
}

interface Pulled {
  command: NodeCommand;
  lease_id: string;
  delivery: number;
}

async function pull(node: TestNode, max = 10, waitSeconds = 0): Promise<Pulled[]> {
  const answer = await nodeCall(node, 'pull', { max_commands: max, wait_seconds: waitSeconds, lease_seconds: 60 });
  if (answer.status !== 200) throw new Error(`pull answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body.commands;
}

/** Pulls until the command of `jobId` arrives (other commands pulled meanwhile are kept leased). */
async function pullJob(node: TestNode, jobId: string, timeoutMs = 15_000): Promise<Pulled> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const found = (await pull(node, 10, 1)).find((pulled) => pulled.command.job_id === jobId);
    if (found !== undefined) return found;
  }
  throw new Error(`no command for job ${jobId} within ${timeoutMs} ms`);
}

/** Answers the job as its node would: pulls it, then posts `reply(prompt)` sealed with a signed receipt. */
async function answerJob(node: TestNode, jobId: string, reply: (prompt: string) => string): Promise<ApiAnswer> {
  const pulled = await pullJob(node, jobId);
  return nodeCall(node, 'result', resultFor(node, pulled, { reply }), { commandId: pulled.command.command_id });
}

/**
 * The result body a node posts: the answer (by default the prompt echoed back), sealed to the
 * customer, with a signed receipt.
 */
function resultFor(
  node: TestNode,
  pulled: Pulled,
  change: { price_wei?: string; sign?: (text: string) => string; reply?: (prompt: string) => string } = {},
) {
  const { command } = pulled;
  const binding = { key_id: command.encrypted_request.key_id, node_id: command.node_id, model_id: command.model_id };
  const request = JSON.parse(new TextDecoder().decode(openEnvelope('request', node.secretKey, command.encrypted_request, binding)));
  const prompt = request.messages.at(-1).content as string;
  const answer = {
    message: { role: 'assistant', content: (change.reply ?? ((p: string) => p))(prompt) },
    usage: { prompt_tokens: 1, completion_tokens: 1 },
  };
  const { envelope } = sealEnvelope(
    'response',
    decodeBase64url(command.encrypted_request.client_public_key_x25519)!,
    { ...binding, job_id: command.job_id },
    new TextEncoder().encode(JSON.stringify(answer)),
  );
  const text = receiptText({
    type: 'b3iq-receipt-v1',
    node_id: command.node_id,
    model_id: command.model_id,
    job_id: command.job_id,
    command_id: command.command_id,
    usage: { prompt_tokens: 1, completion_tokens: 1 },
    price_wei: change.price_wei ?? command.price_wei,
    request_sha256: envelopeSha256(command.encrypted_request),
    response_sha256: envelopeSha256(envelope),
    issued_at: new Date().toISOString(),
  });
  return {
    lease_id: pulled.lease_id,
    encrypted_response: envelope,
    receipt: text,
    receipt_signature_ed25519: (change.sign ?? ((t: string) => signReceipt(node.identitySecretKey, t)))(text),
  };
}

export type { NodeRoute, Pulled };
export { answerJob, nodeCall, pull, pullJob, rawNodeCall, resultFor, TEMPLATES };
