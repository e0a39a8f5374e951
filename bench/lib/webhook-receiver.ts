/**
 * The bench's webhook endpoint: an HTTP server on 127.0.0.1 (the local stage accepts
 * http://127.0.0.1:PORT) that verifies every delivery with the SDK's `verifyWebhook` and records
 * when it arrived. A delivery that fails verification is answered 400 and counted, never recorded
 * as an arrival.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '../../packages/sdk/src/index.js';
import type { Arrival } from './webhook-pairing.js';

interface WebhookReceiver {
  url: string;
  arrivals: Arrival[];
  /** Deliveries refused because they did not verify (or did not carry a job). */
  unverified(): number;
  /** The endpoint's signing secret, known once the endpoint is registered. */
  useSecret(secret: string): void;
  /** Resolves once `jobId` has arrived, or after `timeoutMs`; answers whether it arrived. */
  arrived(jobId: string, timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const arrivals: Arrival[] = [];
  const waiting = new Map<string, () => void>();
  let secret: string | undefined;
  let unverified = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const arrivedAtMs = Date.now();
      const body = Buffer.concat(chunks).toString('utf8');
      let event: { data?: { job_id?: unknown; completed_at?: unknown } };
      try {
        if (secret === undefined) throw new Error('no secret yet');
        event = verifyWebhook(body, request.headers, secret) as typeof event;
      } catch {
        unverified += 1;
        response.writeHead(400).end();
        return;
      }
      const { job_id: jobId, completed_at: completedAt } = event.data ?? {};
      if (typeof jobId !== 'string' || typeof completedAt !== 'string') {
        unverified += 1;
        response.writeHead(400).end();
        return;
      }
      arrivals.push({ webhookId: String(request.headers['webhook-id']), jobId, completedAt, arrivedAtMs });
      response.writeHead(200).end();
      waiting.get(jobId)?.();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const arrived = (jobId: string, timeoutMs: number) =>
    new Promise<boolean>((resolve) => {
      if (arrivals.some((arrival) => arrival.jobId === jobId)) {
        resolve(true);
        return;
      }
      const timer = setTimeout(() => {
        waiting.delete(jobId);
        resolve(false);
      }, timeoutMs);
      waiting.set(jobId, () => {
        clearTimeout(timer);
        waiting.delete(jobId);
        resolve(true);
      });
    });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/bench-hooks`,
    arrivals,
    unverified: () => unverified,
    useSecret: (value) => {
      secret = value;
    },
    arrived,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type { WebhookReceiver };
export { startWebhookReceiver };
