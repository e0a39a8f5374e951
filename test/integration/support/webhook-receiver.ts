/**
 * Webhook receivers on 127.0.0.1 for a test file (the local stage accepts http://127.0.0.1:PORT):
 * each checks every delivery with the `standardwebhooks` package, not with our own verifier, and
 * all of them close in the file's `afterAll`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll } from 'vitest';

interface Delivery {
  id: string;
  /** The payload as `standardwebhooks` verified it, or `{ error }` when it did not. */
  verified: unknown;
  answered: number;
}

interface WebhookReceiver {
  url: string;
  deliveries: Delivery[];
  /** The endpoint's secret, as its registration showed it; deliveries before this do not verify. */
  useSecret: (secret: string) => void;
}

/** Registers the closing hook; the receiver it returns answers `statuses` in turn (then 200). */
function useWebhookReceivers(): (statuses?: number[]) => Promise<WebhookReceiver> {
  const servers: Server[] = [];
  afterAll(() => {
    for (const server of servers) server.close();
  });
  return async (statuses = []) => {
    const deliveries: Delivery[] = [];
    let secret = '';
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const answered = statuses.shift() ?? 200;
        let verified: unknown;
        try {
          verified = new Webhook(secret).verify(body, request.headers as Record<string, string>);
        } catch (error) {
          verified = { error: String(error) };
        }
        deliveries.push({ id: String(request.headers['webhook-id']), verified, answered });
        response.writeHead(answered).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
      deliveries,
      useSecret: (value: string) => {
        secret = value;
      },
    };
  };
}

export type { Delivery, WebhookReceiver };
export { useWebhookReceivers };
