/**
 * What the services work with: the store, the node queues, the signing key, pricing and limits.
 * Built once per container from the environment; every part is created when first used, so each
 * function only needs the configuration of the parts it touches.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AdminTokenSource } from '../adapters/admin-token.js';
import { dynamoDbStore } from '../adapters/dynamodb/control-plane-store.js';
import { NodeCommandQueues } from '../adapters/node-command-queues.js';
import { NodeKeySigner } from '../adapters/node-key-signer.js';
import { integer, required } from '../config.js';
import { assertJobWindows, type JobWindows } from '../domain/job-lifecycle.js';
import { assertPricingPolicy, type PricingPolicy } from '../domain/pricing.js';
import { CustomerRateLimiter } from '../domain/rate-limit.js';
import { KeyDirectory } from '../domain/transport-key-record.js';
import type { AdminCredential, NodeQueues, RecordSigner } from './ports/outside.js';
import type { ControlPlaneStore } from './ports/store.js';

interface ControlPlane {
  readonly store: ControlPlaneStore;
  readonly queues: NodeQueues;
  readonly signer: RecordSigner;
  readonly adminToken: AdminCredential;
  readonly pricing: PricingPolicy;
  readonly jobWindows: JobWindows;
  readonly rateLimiter: CustomerRateLimiter;
  keyDirectory(): Promise<KeyDirectory>;
  now(): Date;
}

function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}

/** The control plane as the environment configures it. */
function controlPlaneFromEnv(env: NodeJS.ProcessEnv = process.env): ControlPlane {
  const store = once(() => dynamoDbStore(new DynamoDBClient({}), required('TABLE_NAME', env)));
  const queues = once(
    () =>
      new NodeCommandQueues(new SQSClient({}), {
        prefix: required('NODE_QUEUE_PREFIX', env),
        deadLetterQueueArn: required('DEAD_LETTER_QUEUE_ARN', env),
        kmsKeyId: required('DATA_KEY_ARN', env),
        maxReceiveCount: integer('NODE_QUEUE_MAX_RECEIVE_COUNT', 5, env),
        visibilityTimeoutSeconds: integer('NODE_QUEUE_VISIBILITY_TIMEOUT_SECONDS', 60, env),
      }),
  );
  const signer = once(() => new NodeKeySigner(new KMSClient({}), required('NODE_KEY_SIGNING_KEY_ARN', env)));
  const adminToken = once(() => new AdminTokenSource(new SecretsManagerClient({}), required('ADMIN_TOKEN_SECRET_ARN', env)));
  const pricing = once(() =>
    assertPricingPolicy({
      policyVersion: env.POLICY_VERSION || 'flat-v1',
      protocolFeeBps: integer('PROTOCOL_FEE_BPS', 1000, env),
    }),
  );
  const jobWindows = once(() =>
    assertJobWindows({
      claimSeconds: integer('JOB_CLAIM_SECONDS', 900, env),
      completionSeconds: integer('JOB_COMPLETION_SECONDS', 3600, env),
      envelopeRetentionSeconds: integer('ENVELOPE_RETENTION_SECONDS', 7 * 86_400, env),
    }),
  );
  const rateLimiter = once(
    () =>
      new CustomerRateLimiter({
        perSecond: integer('CUSTOMER_RATE_LIMIT_PER_SECOND', 100, env),
        burst: integer('CUSTOMER_RATE_LIMIT_BURST', 500, env),
      }),
  );
  let directory: Promise<KeyDirectory> | undefined;

  return {
    get store() {
      return store();
    },
    get queues() {
      return queues();
    },
    get signer() {
      return signer();
    },
    get adminToken() {
      return adminToken();
    },
    get pricing() {
      return pricing();
    },
    get jobWindows() {
      return jobWindows();
    },
    get rateLimiter() {
      return rateLimiter();
    },
    keyDirectory() {
      directory ??= signer()
        .publicKey()
        .then((spki) => new KeyDirectory(spki));
      return directory;
    },
    now: () => new Date(),
  };
}

export type { ControlPlane };
export { controlPlaneFromEnv };
