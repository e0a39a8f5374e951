/**
 * Each Lambda reads and checks its configuration when its module loads (the cold start): a
 * missing or malformed value fails there, not in a request later. Nothing here calls AWS.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const HANDLERS = {
  'customer-jobs': () => import('../../../lambdas/handlers/customer-jobs.js'),
  'customer-reads': () => import('../../../lambdas/handlers/customer-reads.js'),
  admin: () => import('../../../lambdas/handlers/admin.js'),
  'node-api': () => import('../../../lambdas/handlers/node-api.js'),
  'command-relay': () => import('../../../lambdas/handlers/command-relay.js'),
  'deadline-sweeper': () => import('../../../lambdas/handlers/deadline-sweeper.js'),
  'dead-letters': () => import('../../../lambdas/handlers/dead-letters.js'),
};
type HandlerName = keyof typeof HANDLERS;
const NAMES = Object.keys(HANDLERS) as HandlerName[];

/** Every value any function reads, well formed. */
const COMPLETE = {
  TABLE_NAME: 'control-plane',
  NODE_KEY_SIGNING_KEY_ARN: 'arn:aws:kms:eu-west-1:111122223333:key/signing',
  POLICY_VERSION: 'flat-v1',
  PROTOCOL_FEE_BPS: '1000',
  CUSTOMER_RATE_LIMIT_PER_SECOND: '100',
  CUSTOMER_RATE_LIMIT_BURST: '500',
  JOB_CLAIM_SECONDS: '900',
  JOB_COMPLETION_SECONDS: '3600',
  ENVELOPE_RETENTION_SECONDS: '604800',
  NODE_QUEUE_PREFIX: 'b3iq-test-node-',
  DEAD_LETTER_QUEUE_ARN: 'arn:aws:sqs:eu-west-1:111122223333:dead-letters',
  DATA_KEY_ARN: 'arn:aws:kms:eu-west-1:111122223333:key/data',
  ADMIN_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:admin',
};

/** The functions the stack gives the node-queue and admin-token settings (test/cdk checks the stack's side). */
const USES_QUEUES: HandlerName[] = ['customer-jobs', 'admin', 'node-api', 'command-relay'];
const USES_ADMIN_TOKEN: HandlerName[] = ['admin'];

function stubEnvironment(changes: Record<string, string>): void {
  for (const [name, value] of Object.entries({ ...COMPLETE, ...changes })) vi.stubEnv(name, value);
}

beforeEach(() => {
  vi.resetModules();
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('a Lambda checks its configuration at cold start', () => {
  it.each(NAMES)('%s loads with its configuration complete', async (name) => {
    stubEnvironment({});
    await expect(HANDLERS[name]()).resolves.toHaveProperty('handler');
  });

  it.each(NAMES)('%s fails to load without TABLE_NAME', async (name) => {
    stubEnvironment({ TABLE_NAME: '' });
    await expect(HANDLERS[name]()).rejects.toThrow('environment variable TABLE_NAME is not set');
  });

  it.each(NAMES)('%s fails to load with a malformed PROTOCOL_FEE_BPS', async (name) => {
    stubEnvironment({ PROTOCOL_FEE_BPS: 'ten percent' });
    await expect(HANDLERS[name]()).rejects.toThrow('environment variable PROTOCOL_FEE_BPS must be an integer');
  });

  it.each(NAMES)('%s fails to load with a job window out of range', async (name) => {
    stubEnvironment({ JOB_CLAIM_SECONDS: '0' });
    await expect(HANDLERS[name]()).rejects.toThrow();
  });

  it.each(NAMES)('%s needs the node-queue settings only if it uses the queues', async (name) => {
    stubEnvironment({ NODE_QUEUE_PREFIX: '' });
    const loading = HANDLERS[name]();
    if (USES_QUEUES.includes(name)) await expect(loading).rejects.toThrow('environment variable NODE_QUEUE_PREFIX is not set');
    else await expect(loading).resolves.toHaveProperty('handler');
  });

  it.each(NAMES)('%s needs the admin token secret only if it is the admin API', async (name) => {
    stubEnvironment({ ADMIN_TOKEN_SECRET_ARN: '' });
    const loading = HANDLERS[name]();
    if (USES_ADMIN_TOKEN.includes(name)) await expect(loading).rejects.toThrow('environment variable ADMIN_TOKEN_SECRET_ARN is not set');
    else await expect(loading).resolves.toHaveProperty('handler');
  });
});
