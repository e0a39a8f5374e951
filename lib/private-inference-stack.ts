/**
 * The B3IQ private-inference control plane: API Gateway → four API Lambdas (customer jobs,
 * customer reads, admin, node API) → one DynamoDB table, per-node SQS queues and a KMS signing
 * key; three workers that make every job end (command relay, deadline sweeper, dead-letter
 * consumer); and the webhook workers (job events from the stream, signed deliveries from a queue).
 */
import { type CfnElement, CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { StageConfig } from './config.js';
import { ControlPlaneApi } from './constructs/control-plane-api.js';
import { ControlPlaneFunction } from './constructs/control-plane-function.js';
import { ControlPlaneMonitoring } from './constructs/control-plane-monitoring.js';
import { ControlPlaneTable } from './constructs/control-plane-table.js';
import { CommandRelay, DeadLetterConsumer, DeadlineSweeper } from './constructs/job-lifecycle-workers.js';
import { NodeCommandQueues } from './constructs/node-command-queues.js';
import { NodeKeySigningKey } from './constructs/node-key-signing-key.js';
import { WebhookDeliveries } from './constructs/webhook-deliveries.js';

/** The item operations the store performs (a transaction needs the actions of its items), and nothing else. */
const TABLE_READS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:DescribeTable'];
const TABLE_WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'];

/** Table grants cover its indexes (`<table>/index/*`): the open-jobs index and the two listing indexes. */
function acknowledgeIndexGrant(table: Table, fn: IFunction): void {
  const tableId = Stack.of(table).getLogicalId(table.node.defaultChild as CfnElement);
  Validations.of(fn.role ?? fn).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${tableId}.Arn>/index/*]`,
    reason:
      "CDK's table grant also covers the table's indexes; they are OpenJobs (open jobs by deadline), CustomerJobs and ActiveNodes (the listings).",
  });
}

/** Reads and conditional writes on the table, no scans or deletes, and the data key the table is encrypted with. */
function grantTableWrites(table: Table, fn: IFunction): void {
  table.grant(fn, ...TABLE_READS, ...TABLE_WRITES);
  table.encryptionKey?.grantEncryptDecrypt(fn);
  acknowledgeIndexGrant(table, fn);
  Validations.of(fn.role ?? fn).acknowledge(
    ...['kms:GenerateDataKey*', 'kms:ReEncrypt*'].map((action) => ({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason: "KMS's encrypt/decrypt grant that DynamoDB needs for a table with a customer-managed key; scoped to that one data key.",
    })),
  );
}

interface PrivateInferenceStackProps extends StackProps {
  config: StageConfig;
}

class PrivateInferenceStack extends Stack {
  constructor(scope: Construct, id: string, props: PrivateInferenceStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const dataKey = new Key(this, 'DataKey', {
      description: 'Encrypts the B3IQ control-plane table, queues and admin token',
      enableKeyRotation: true,
      removalPolicy,
    });
    const { table } = new ControlPlaneTable(this, 'ControlPlaneTable', { dataKey, protectData: config.protectData });
    const signingKey = new NodeKeySigningKey(this, 'NodeKeySigningKey', { protectData: config.protectData });
    const queues = new NodeCommandQueues(this, 'NodeCommandQueues', {
      prefix: config.nodeQueuePrefix,
      deadLetterQueueName: config.deadLetterQueueName,
      dataKey,
      protectData: config.protectData,
    });
    // With IAM on the admin API there is no shared admin secret at all.
    const adminToken = config.adminAuth === 'token' ? this.adminTokenSecret(config, dataKey) : undefined;
    /** The `service` of every log line and business metric. */
    const serviceName = `b3iq-${config.stage}`;

    const shared = {
      TABLE_NAME: table.tableName,
      NODE_KEY_SIGNING_KEY_ARN: signingKey.key.keyArn,
      POLICY_VERSION: config.policyVersion,
      PROTOCOL_FEE_BPS: String(config.protocolFeeBps),
      CUSTOMER_RATE_LIMIT_PER_SECOND: String(config.customerRateLimit.perSecond),
      CUSTOMER_RATE_LIMIT_BURST: String(config.customerRateLimit.burst),
      FAILED_CREDENTIALS_RATE_LIMIT_PER_SECOND: String(config.failedCredentialsRateLimit.perSecond),
      FAILED_CREDENTIALS_RATE_LIMIT_BURST: String(config.failedCredentialsRateLimit.burst),
      JOB_CLAIM_SECONDS: String(config.jobWindows.claimSeconds),
      JOB_COMPLETION_SECONDS: String(config.jobWindows.completionSeconds),
      ENVELOPE_RETENTION_SECONDS: String(config.jobWindows.envelopeRetentionSeconds),
      POWERTOOLS_SERVICE_NAME: serviceName,
    };
    const queueSettings = {
      NODE_QUEUE_PREFIX: config.nodeQueuePrefix,
      DEAD_LETTER_QUEUE_ARN: queues.deadLetterQueue.queueArn,
      DATA_KEY_ARN: dataKey.keyArn,
    };

    const webhooks = new WebhookDeliveries(this, 'Webhooks', {
      environment: shared,
      protectData: config.protectData,
      table,
      dataKey,
      localHttp: config.webhookLocalHttp,
    });
    grantTableWrites(table, webhooks.eventsFn);
    grantTableWrites(table, webhooks.deliveryFn);

    const customerJobs = new ControlPlaneFunction(this, 'CustomerJobsFunction', {
      name: 'customer-jobs',
      environment: { ...shared, ...queueSettings, ...webhooks.apiEnvironment },
      protectData: config.protectData,
    }).fn;
    grantTableWrites(table, customerJobs);
    queues.grantSend(customerJobs);
    signingKey.grantPublicKey(customerJobs);

    const customerReads = new ControlPlaneFunction(this, 'CustomerReadsFunction', {
      name: 'customer-reads',
      environment: shared,
      protectData: config.protectData,
    }).fn;
    table.grant(customerReads, ...TABLE_READS);
    table.encryptionKey?.grant(customerReads, 'kms:Decrypt', 'kms:DescribeKey');
    acknowledgeIndexGrant(table, customerReads);
    signingKey.grantPublicKey(customerReads);

    const admin = new ControlPlaneFunction(this, 'AdminFunction', {
      name: 'admin',
      environment: {
        ...shared,
        ...queueSettings,
        // The admin function trusts API Gateway's IAM check only when this says the stage has it.
        ADMIN_AUTH: config.adminAuth,
        ...(adminToken === undefined ? {} : { ADMIN_TOKEN_SECRET_ARN: adminToken.secretArn }),
      },
      protectData: config.protectData,
    }).fn;
    grantTableWrites(table, admin);
    queues.grantCreate(admin);
    signingKey.grantSign(admin);
    adminToken?.grantRead(admin);

    const nodeApi = new ControlPlaneFunction(this, 'NodeApiFunction', {
      name: 'node-api',
      environment: { ...shared, ...queueSettings },
      protectData: config.protectData,
      timeoutSeconds: 28,
    }).fn;
    grantTableWrites(table, nodeApi);
    queues.grantConsume(nodeApi);

    const workers = { environment: shared, protectData: config.protectData };
    const relay = new CommandRelay(this, 'CommandRelay', {
      ...workers,
      environment: { ...shared, ...queueSettings },
      table,
      claimSeconds: config.jobWindows.claimSeconds,
    }).fn;
    grantTableWrites(table, relay);
    queues.grantSend(relay);
    const sweeper = new DeadlineSweeper(this, 'DeadlineSweeper', workers).fn;
    grantTableWrites(table, sweeper);
    const deadLetterConsumer = new DeadLetterConsumer(this, 'DeadLetterConsumer', { ...workers, deadLetterQueue: queues.deadLetterQueue });
    grantTableWrites(table, deadLetterConsumer.fn);

    const apiFunctions = { 'customer-jobs': customerJobs, 'customer-reads': customerReads, admin, 'node-api': nodeApi };
    const { api } = new ControlPlaneApi(this, 'ControlPlaneApi', {
      stage: config.stage,
      adminAuth: config.adminAuth,
      functions: apiFunctions,
      throttle: config.apiThrottle,
      protectData: config.protectData,
    });
    const { alarmTopic } = new ControlPlaneMonitoring(this, 'Monitoring', {
      api,
      apiFunctions,
      relay,
      sweeper,
      deadLetterConsumer: deadLetterConsumer.fn,
      webhooks: { queue: webhooks.queue, events: webhooks.eventsFn, delivery: webhooks.deliveryFn },
      claimSeconds: config.jobWindows.claimSeconds,
      dataKey,
      deadLetterQueue: queues.deadLetterQueue,
      deadLetterAlarm: deadLetterConsumer.depthAlarm,
      serviceName,
      // Every job ends by its completion deadline; the sweeper runs every minute.
      maxReservationAgeSeconds: config.jobWindows.completionSeconds + 300,
    });
    new CfnOutput(this, 'TableName', { value: table.tableName, key: 'TableName' });
    if (adminToken !== undefined) new CfnOutput(this, 'AdminTokenSecretArn', { value: adminToken.secretArn, key: 'AdminTokenSecretArn' });
    new CfnOutput(this, 'NodeKeySigningKeyArn', { value: signingKey.key.keyArn, key: 'NodeKeySigningKeyArn' });
    new CfnOutput(this, 'DeadLetterQueueArn', { value: queues.deadLetterQueue.queueArn, key: 'DeadLetterQueueArn' });
    new CfnOutput(this, 'DataKeyArn', { value: dataKey.keyArn, key: 'DataKeyArn' });
    new CfnOutput(this, 'NodeQueuePrefix', { value: config.nodeQueuePrefix, key: 'NodeQueuePrefix' });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: alarmTopic.topicArn,
      key: 'AlarmTopicArn',
      description: 'Subscribe to receive every alarm',
    });
    new CfnOutput(this, 'DeadlineSweeperFunctionName', { value: sweeper.functionName, key: 'DeadlineSweeperFunctionName' });
  }

  /** The admin token's source: an existing secret named by configuration, or one generated here. */
  private adminTokenSecret(config: StageConfig, dataKey: Key): ISecret {
    if (config.adminTokenSecretArn !== undefined) {
      return Secret.fromSecretCompleteArn(this, 'AdminToken', config.adminTokenSecretArn);
    }
    const secret = new Secret(this, 'AdminToken', {
      description: 'B3IQ control-plane admin token (X-B3IQ-Admin-Token)',
      encryptionKey: dataKey,
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
      removalPolicy: config.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The admin token is an operator credential rotated by writing a new secret value; the admin function re-reads it within five minutes, so no rotation Lambda is needed.',
    });
    return secret;
  }
}

export { PrivateInferenceStack };
