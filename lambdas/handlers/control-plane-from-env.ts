/**
 * The control plane (services/control-plane.ts) with its DynamoDB, SQS, KMS and Secrets Manager
 * adapters, built once per container, at init, from the environment: every value the function needs is
 * read and checked then, so a missing or malformed one fails the cold start, not a request.
 * A function asks for the parts beyond the common ones (node queues, admin authentication) that it uses;
 * a part it did not ask for is not configured and fails when touched.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { KeyDirectory } from '@b3iq/protocol';
import { AdminTokenSource } from '../adapters/admin-token.js';
import { AsyncCache } from '../adapters/async-cache.js';
import { dynamoDbStore } from '../adapters/dynamodb/control-plane-store.js';
import { NodeCommandQueues } from '../adapters/node-command-queues.js';
import { NodeKeySigner } from '../adapters/node-key-signer.js';
import { integer, required, text } from '../config.js';
import type { Customer } from '../domain/account.js';
import { assertJobWindows } from '../domain/job-lifecycle.js';
import type { StoredNode } from '../domain/node.js';
import { assertPricingPolicy } from '../domain/pricing.js';
import { CustomerRateLimiter } from '../domain/rate-limit.js';
import { recordTransactionCancelled } from '../observability/metrics.js';
import type { ControlPlane } from '../services/control-plane.js';
import { NodeSightings } from '../services/node-sightings.js';
import type { AdminCredential, NodeQueues } from '../services/ports/outside.js';
import { requestDeadline } from '../services/request-deadline.js';
import { FreshFor } from '../services/submit-cache.js';
import { TokenUses } from '../services/token-uses.js';

/**
 * The DynamoDB client's own retries and timeouts stay short, so that no call outlasts a request's
 * deadline margin (services/request-deadline.ts): 2 attempts of at most 1 s each. DynamoDB
 * answers in milliseconds; a call that takes longer is better repeated by the caller, which knows
 * the deadline (a transaction is repeated with its token, transactions.ts).
 */
const DYNAMODB_CLIENT = { maxAttempts: 2, requestHandler: { requestTimeout: 1000, connectionTimeout: 500 } };

/** The parts beyond the common ones that a function uses. */
interface Needs {
  queues?: boolean;
  /** `ADMIN_AUTH` `iam` (no admin token is read), or the admin token at `ADMIN_TOKEN_SECRET_ARN`. */
  adminAuth?: boolean;
  /** Writes customer tokens' `last_used_at` (only a function that may write the table and authenticates customers). */
  tokenUses?: boolean;
  /** Writes nodes' `last_seen_at` (the node API). */
  nodeSightings?: boolean;
}

/** A part the function did not ask for: a use of it is a bug in the function's wiring. */
function notConfigured<T extends object>(part: string): T {
  return new Proxy({} as T, {
    get: () => {
      throw new Error(`this function is not configured with ${part}`);
    },
  });
}

/**
 * IAM only when the stack says API Gateway authorizes the admin methods with it (ADMIN_AUTH=iam);
 * otherwise the admin token, which must then be configured.
 */
function adminCredential(env: NodeJS.ProcessEnv): AdminCredential {
  const mode = text('ADMIN_AUTH', 'token', env);
  if (mode === 'iam') return { kind: 'iam' };
  if (mode !== 'token') throw new Error('environment variable ADMIN_AUTH must be "iam" or "token"');
  return new AdminTokenSource(new SecretsManagerClient({}), required('ADMIN_TOKEN_SECRET_ARN', env));
}

/** The control plane as the environment configures it, every value read and checked now. */
function controlPlaneFromEnv(env: NodeJS.ProcessEnv = process.env, needs: Needs = { queues: true, adminAuth: true }): ControlPlane {
  const store = dynamoDbStore(new DynamoDBClient(DYNAMODB_CLIENT), required('TABLE_NAME', env), {
    cancelled: recordTransactionCancelled,
    settleBy: () => requestDeadline().settleBy,
  });
  const queues = needs.queues
    ? new NodeCommandQueues(new SQSClient({}), {
        prefix: required('NODE_QUEUE_PREFIX', env),
        deadLetterQueueArn: required('DEAD_LETTER_QUEUE_ARN', env),
        kmsKeyId: required('DATA_KEY_ARN', env),
        maxReceiveCount: integer('NODE_QUEUE_MAX_RECEIVE_COUNT', 5, env),
        visibilityTimeoutSeconds: integer('NODE_QUEUE_VISIBILITY_TIMEOUT_SECONDS', 60, env),
      })
    : notConfigured<NodeQueues>('node queues');
  const signer = new NodeKeySigner(new KMSClient({}), required('NODE_KEY_SIGNING_KEY_ARN', env));
  const adminAuth = needs.adminAuth ? adminCredential(env) : notConfigured<AdminCredential>('admin authentication');
  const pricing = assertPricingPolicy({
    policyVersion: text('POLICY_VERSION', 'flat-v1', env),
    protocolFeeBps: integer('PROTOCOL_FEE_BPS', 1000, env),
  });
  const jobWindows = assertJobWindows({
    claimSeconds: integer('JOB_CLAIM_SECONDS', 900, env),
    completionSeconds: integer('JOB_COMPLETION_SECONDS', 3600, env),
    envelopeRetentionSeconds: integer('ENVELOPE_RETENTION_SECONDS', 7 * 86_400, env),
  });
  const rateLimiter = new CustomerRateLimiter({
    perSecond: integer('CUSTOMER_RATE_LIMIT_PER_SECOND', 100, env),
    burst: integer('CUSTOMER_RATE_LIMIT_BURST', 500, env),
  });
  const failedCredentialsLimiter = new CustomerRateLimiter({
    perSecond: integer('FAILED_CREDENTIALS_RATE_LIMIT_PER_SECOND', 1, env),
    burst: integer('FAILED_CREDENTIALS_RATE_LIMIT_BURST', 20, env),
  });
  const tokenUses = new TokenUses(needs.tokenUses ? (customerId, tokenId, at) => store.recordTokenUse(customerId, tokenId, at) : undefined);
  const nodeSightings = new NodeSightings(needs.nodeSightings ? (nodeId, at) => store.recordNodeSeen(nodeId, at) : undefined);
  const cacheMs = integer('SUBMIT_CACHE_TTL_MS', 1000, env);
  const submitCache = { customers: new FreshFor<Customer>(cacheMs), nodes: new FreshFor<StoredNode>(cacheMs) };
  // Kept once read; a failed read is forgotten, so one KMS error does not fail the container for good.
  const directory = new AsyncCache<'directory', KeyDirectory>(async () => new KeyDirectory(await signer.publicKey()));

  return {
    store,
    queues,
    signer,
    adminAuth,
    pricing,
    jobWindows,
    rateLimiter,
    failedCredentialsLimiter,
    submitCache,
    tokenUses,
    nodeSightings,
    keyDirectory() {
      return directory.get('directory');
    },
    now: () => new Date(),
  };
}

export type { Needs };
export { controlPlaneFromEnv };
