/**
 * Stage configuration, from CDK context (`cdk deploy -c stage=prod -c protocolFeeBps=500`).
 * Invalid values stop the synth with a message that says which value and why.
 */
import type { Node } from 'constructs';

interface StageConfig {
  stage: string;
  /** Deletion protection and retained data everywhere except `dev`. */
  protectData: boolean;
  /**
   * How admin callers authenticate on `/v1/admin/*`: `iam`, AWS SigV4 checked by API Gateway (every
   * stage but `dev`), or `token`, the `X-B3IQ-Admin-Token` header (`dev`, and the local emulator).
   */
  adminAuth: AdminAuth;
  /** With `adminAuth` `token`: the Secrets Manager secret holding the admin token; absent: the stack generates one. */
  adminTokenSecretArn: string | undefined;
  policyVersion: string;
  protocolFeeBps: number;
  /** Node queues are `{prefix}{node_id}.fifo`; IAM is scoped to this prefix. */
  nodeQueuePrefix: string;
  /** The shared dead-letter queue; never under the node queue prefix, so node grants cannot reach it. */
  deadLetterQueueName: string;
  apiThrottle: { rateLimit: number; burstLimit: number };
  customerRateLimit: { perSecond: number; burst: number };
  /** Failed credential checks per source address (token guessing) before 429 instead of 401. */
  failedCredentialsRateLimit: { perSecond: number; burst: number };
  /** Job deadlines and envelope retention, in seconds (see lambdas/domain/job-lifecycle.ts). */
  jobWindows: { claimSeconds: number; completionSeconds: number; envelopeRetentionSeconds: number };
  /**
   * `-c webhookLocalHttp=true`: a stage for local development (the emulator; scripts/local/deploy.ts
   * sets it) also accepts webhook URLs http://127.0.0.1:PORT and http://localhost:PORT. Never on AWS.
   */
  webhookLocalHttp: boolean;
}

type AdminAuth = 'iam' | 'token';

/** SQS names are at most 80 characters: prefix + a 63-character node id + `.fifo`. */
const MAX_NODE_QUEUE_PREFIX = 80 - 63 - '.fifo'.length;

function context(node: Node, key: string): string | undefined {
  const value = node.tryGetContext(key) as unknown;
  return value === undefined || value === null ? undefined : String(value);
}

function numberFrom(node: Node, key: string, fallback: number, valid: (n: number) => boolean): number {
  const raw = context(node, key);
  const value = raw === undefined ? fallback : Number(raw);
  if (!valid(value)) throw new Error(`context ${key}=${raw} is out of range`);
  return value;
}

const positiveInteger = (n: number) => Number.isSafeInteger(n) && n > 0;

function stageConfig(node: Node): StageConfig {
  const stage = context(node, 'stage') ?? 'dev';
  if (!/^[a-z][a-z0-9]{0,15}$/.test(stage)) throw new Error(`context stage=${stage} must match ^[a-z][a-z0-9]{0,15}$`);
  const nodeQueuePrefix = context(node, 'nodeQueuePrefix') ?? `b3iq-${stage}-n-`;
  if (!/^[A-Za-z0-9_-]+$/.test(nodeQueuePrefix) || nodeQueuePrefix.length > MAX_NODE_QUEUE_PREFIX) {
    throw new Error(
      `node queue prefix "${nodeQueuePrefix}" must be at most ${MAX_NODE_QUEUE_PREFIX} of [A-Za-z0-9_-]; set -c nodeQueuePrefix=...`,
    );
  }
  const deadLetterQueueName = `b3iq-${stage}-dead-letters.fifo`;
  if (deadLetterQueueName.startsWith(nodeQueuePrefix)) {
    throw new Error(`node queue prefix "${nodeQueuePrefix}" would cover the dead-letter queue ${deadLetterQueueName}; choose another`);
  }
  return {
    stage,
    protectData: stage !== 'dev',
    ...adminAuthFrom(node, stage),
    policyVersion: context(node, 'policyVersion') ?? 'flat-v1',
    protocolFeeBps: numberFrom(node, 'protocolFeeBps', 1000, (n) => Number.isInteger(n) && n >= 0 && n <= 9999),
    nodeQueuePrefix,
    deadLetterQueueName,
    apiThrottle: {
      rateLimit: numberFrom(node, 'apiRateLimit', 1000, positiveInteger),
      burstLimit: numberFrom(node, 'apiBurstLimit', 2000, positiveInteger),
    },
    customerRateLimit: {
      perSecond: numberFrom(node, 'customerRateLimitPerSecond', 100, positiveInteger),
      burst: numberFrom(node, 'customerRateLimitBurst', 500, positiveInteger),
    },
    failedCredentialsRateLimit: {
      perSecond: numberFrom(node, 'failedCredentialsRateLimitPerSecond', 1, positiveInteger),
      burst: numberFrom(node, 'failedCredentialsRateLimitBurst', 20, positiveInteger),
    },
    jobWindows: jobWindowsFrom(node),
    webhookLocalHttp: context(node, 'webhookLocalHttp') === 'true',
  };
}

/** `-c adminAuth=iam|token`; `iam` by default outside `dev`. An admin token secret only goes with `token`. */
function adminAuthFrom(node: Node, stage: string): Pick<StageConfig, 'adminAuth' | 'adminTokenSecretArn'> {
  const raw = context(node, 'adminAuth');
  if (raw !== undefined && raw !== 'iam' && raw !== 'token') {
    throw new Error(`context adminAuth=${raw} must be "iam" (AWS SigV4 on /v1/admin/*) or "token" (X-B3IQ-Admin-Token)`);
  }
  const adminAuth: AdminAuth = raw ?? (stage === 'dev' ? 'token' : 'iam');
  const adminTokenSecretArn = context(node, 'adminTokenSecretArn');
  if (adminAuth === 'iam' && adminTokenSecretArn !== undefined) {
    throw new Error('context adminTokenSecretArn is used only with adminAuth=token; with adminAuth=iam there is no admin token');
  }
  return { adminAuth, adminTokenSecretArn };
}

/** A command must still be on its queue when its job may still be claimed: node queues keep messages four days. */
const MAX_JOB_WINDOW_SECONDS = 4 * 86_400;

function jobWindowsFrom(node: Node): StageConfig['jobWindows'] {
  const window = (n: number) => positiveInteger(n) && n >= 60 && n <= MAX_JOB_WINDOW_SECONDS;
  const claimSeconds = numberFrom(node, 'jobClaimSeconds', 900, window);
  const completionSeconds = numberFrom(node, 'jobCompletionSeconds', 3600, window);
  if (completionSeconds < claimSeconds) {
    throw new Error(`context jobCompletionSeconds=${completionSeconds} must not be shorter than jobClaimSeconds=${claimSeconds}`);
  }
  const envelopeRetentionSeconds = numberFrom(node, 'envelopeRetentionSeconds', 7 * 86_400, positiveInteger);
  return { claimSeconds, completionSeconds, envelopeRetentionSeconds };
}

export type { AdminAuth, StageConfig };
export { stageConfig };
