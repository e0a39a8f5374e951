/**
 * Where this process's DynamoDB requests go: to the endpoint their client resolved (the emulator), or,
 * while `routeDynamoDb(url)` is set, to a conflict front. An SDK middleware at the `build` step (before
 * signing, so the signed host is the one sent) rewrites each request's host; it is added to every
 * DynamoDB client on its first `send`, as the call counter is (aws-calls.ts), so the clients the
 * handlers build privately follow the switch between two rows of the bench without being rebuilt.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

interface RoutableRequest {
  protocol: string;
  hostname: string;
  port?: number;
  headers: Record<string, string>;
}

let target: URL | undefined;
let installed = false;

/** Adds the routing middleware to every DynamoDB client, present and future (idempotent). */
function installDynamoDbRouter(): void {
  if (installed) return;
  installed = true;
  const routed = new WeakSet<object>();
  const originalSend = DynamoDBClient.prototype.send;
  DynamoDBClient.prototype.send = function send(this: DynamoDBClient, ...args: unknown[]) {
    if (!routed.has(this)) {
      routed.add(this);
      this.middlewareStack.add(
        (next) => async (input) => {
          const request = (input as { request?: RoutableRequest }).request;
          if (target !== undefined && request !== undefined) {
            request.protocol = target.protocol;
            request.hostname = target.hostname;
            request.port = Number(target.port);
            delete request.headers.host;
          }
          return next(input);
        },
        { step: 'build', priority: 'high', name: 'b3iqBenchDynamoDbRoute' },
      );
    }
    return (originalSend as (...sent: unknown[]) => unknown).apply(this, args);
  } as typeof DynamoDBClient.prototype.send;
}

/** From now on, DynamoDB requests go to `url` (a conflict front), or back to their own endpoint. */
function routeDynamoDb(url: string | undefined): void {
  if (!installed) throw new Error('installDynamoDbRouter() first');
  target = url === undefined ? undefined : new URL(url);
}

export { installDynamoDbRouter, routeDynamoDb };
