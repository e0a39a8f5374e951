/**
 * A node for the bench's end-to-end rows: the reference agent (`b3iq-node`) with its echo backend,
 * enrolled through the admin handler in-process (fresh keys, one model) and polling the deployed
 * API, one command at a time.
 *
 * Import this module only after `process.env` holds the deployed stack's Lambda environment (the
 * admin handler reads it at import, as world.ts notes).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { handler as admin } from '../../lambdas/handlers/admin.js';
import { NodeAgent } from '../../packages/node-agent/src/agent.js';
import { echoBackend } from '../../packages/node-agent/src/backends.js';
import { createKeyFile, enrollmentBody } from '../../packages/node-agent/src/key-file.js';
import { callHandler, type ProxyHandler } from './world.js';

interface EchoNodeOptions {
  apiUrl: string;
  adminToken: string;
  /** Part of the node id, saying which rows the node serves. */
  name: string;
  modelId: string;
  /** The agent's fetch, to time its calls to the API (default: the global fetch). */
  fetch?: typeof fetch;
}

interface EchoNode {
  nodeId: string;
  /** Pulls no more and waits for the agent to end. */
  stop(): Promise<void>;
}

async function startEchoNode(options: EchoNodeOptions): Promise<EchoNode> {
  const { apiUrl, adminToken, modelId } = options;
  const keys = await createKeyFile(path.join(mkdtempSync(path.join(tmpdir(), 'b3iq-bench-node-')), 'keys.json'), {
    nodeId: `node-bench-${options.name}-${Date.now().toString(36)}`,
  });
  const enrolled = await callHandler(admin as ProxyHandler, 'PUT', '/v1/admin/nodes/{node_id}', {
    params: { node_id: keys.nodeId },
    headers: { 'X-B3IQ-Admin-Token': adminToken },
    body: JSON.stringify({ ...enrollmentBody(keys), models: [{ model_id: modelId, price_wei: '1000' }] }),
  });
  if (enrolled.status !== 200) throw new Error(`enrolling the ${options.name} bench node answered ${enrolled.status}`);
  const agent = new NodeAgent({
    apiUrl,
    keys,
    backend: echoBackend,
    concurrency: 1,
    waitSeconds: 2,
    log: () => {},
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const running = agent.run();
  return {
    nodeId: keys.nodeId,
    stop: async () => {
      await agent.stop();
      await running;
    },
  };
}

export type { EchoNode, EchoNodeOptions };
export { startEchoNode };
