/**
 * Counts the AWS API calls this process makes, by service and operation, with an SDK middleware.
 *
 * The control plane builds its clients privately (`controlPlaneFromEnv`), so the middleware is
 * put on every client of the four services the Lambdas use: `send` is wrapped once on each client
 * class's prototype, and the first `send` of each client instance adds two middlewares to that
 * instance's stack: one at `initialize` (one count per call, whatever its retries) and one at
 * `deserialize` (inside the retry loop: one count per HTTP attempt). Counting happens only while a
 * window is open, so set-up traffic (admin token, seeding) is never counted.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';

type Tally = Record<string, number>;

interface CallWindow {
  /** `${service}:${operation}` → calls. */
  calls: Tally;
  /** `${service}:${operation}` → HTTP attempts (differs from calls only when the SDK retried). */
  attempts: Tally;
}

// biome-ignore lint/suspicious/noExplicitAny: the four client classes share only the smithy base shape
const CLIENTS: [any, string][] = [
  [DynamoDBClient, 'DynamoDB'],
  [SQSClient, 'SQS'],
  [KMSClient, 'KMS'],
  [SecretsManagerClient, 'SecretsManager'],
];

let current: CallWindow | undefined;
let installed = false;

const bump = (tally: Tally, key: string) => {
  tally[key] = (tally[key] ?? 0) + 1;
};

const operationOf = (commandName: unknown): string => String(commandName ?? 'unknown').replace(/Command$/, '');

/** Instruments every client of the four services, present and future (idempotent). */
function installAwsCallCounter(): void {
  if (installed) return;
  installed = true;
  const instrumented = new WeakSet<object>();
  for (const [Client, service] of CLIENTS) {
    const originalSend = Client.prototype.send;
    Client.prototype.send = function send(this: { middlewareStack: { add: (...args: unknown[]) => void } }, ...args: unknown[]) {
      if (!instrumented.has(this)) {
        instrumented.add(this);
        this.middlewareStack.add(
          (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (input: unknown) => {
            if (current !== undefined) bump(current.calls, `${service}:${operationOf(context.commandName)}`);
            return next(input);
          },
          { step: 'initialize', priority: 'high', name: 'b3iqBenchCallCounter' },
        );
        this.middlewareStack.add(
          (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (input: unknown) => {
            if (current !== undefined) bump(current.attempts, `${service}:${operationOf(context.commandName)}`);
            return next(input);
          },
          { step: 'deserialize', priority: 'low', name: 'b3iqBenchAttemptCounter' },
        );
      }
      return originalSend.apply(this, args);
    };
  }
}

/** Runs `work` with a fresh counting window and returns what it called. Windows do not nest. */
async function countAwsCalls<T>(work: () => Promise<T>): Promise<{ result: T; window: CallWindow }> {
  if (!installed) throw new Error('installAwsCallCounter() first');
  if (current !== undefined) throw new Error('AWS call windows do not nest');
  const window: CallWindow = { calls: {}, attempts: {} };
  current = window;
  try {
    return { result: await work(), window };
  } finally {
    current = undefined;
  }
}

const total = (tally: Tally): number => Object.values(tally).reduce((sum, count) => sum + count, 0);

/** Sums a `${service}:${operation}` tally by service. */
function byService(tally: Tally): Tally {
  const services: Tally = {};
  for (const [key, count] of Object.entries(tally)) {
    const service = key.split(':')[0]!;
    services[service] = (services[service] ?? 0) + count;
  }
  return services;
}

/** Keys in a stable order: by service, then operation. */
const sorted = (tally: Tally): Tally => Object.fromEntries(Object.entries(tally).sort(([a], [b]) => a.localeCompare(b)));

export type { CallWindow, Tally };
export { byService, countAwsCalls, installAwsCallCounter, sorted, total };
