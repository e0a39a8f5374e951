/**
 * Signed webhooks: a stream consumer that turns each job end into one delivery message per
 * subscribed endpoint, the delivery queue (standard, KMS, with a dead-letter queue), and the
 * delivery worker that POSTs each message and queues the next attempt with a delay on failure
 * (lambdas/services/webhook-delivery.ts). Neither runs on a request path or delays settlement.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { FilterCriteria, FilterRule, type IFunction, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ControlPlaneFunction } from './control-plane-function.js';

interface WebhookDeliveriesProps {
  environment: Record<string, string>;
  protectData: boolean;
  table: Table;
  dataKey: IKey;
  /** A stage configured for local development: http://127.0.0.1:PORT and http://localhost:PORT are accepted. */
  localHttp: boolean;
}

/** One attempt waits at most 15 s for an answer; a batch of them runs in parallel. */
const DELIVERY_TIMEOUT_SECONDS = 30;

class WebhookDeliveries extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly eventsFn: IFunction;
  readonly deliveryFn: IFunction;
  /** What the API function that registers endpoints needs to check their URLs as the workers do. */
  readonly apiEnvironment: Record<string, string>;

  constructor(scope: Construct, id: string, props: WebhookDeliveriesProps) {
    super(scope, id);
    const removalPolicy = props.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const encryption = { encryption: QueueEncryption.KMS, encryptionMasterKey: props.dataKey, enforceSSL: true, removalPolicy };
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', { ...encryption, retentionPeriod: Duration.days(14) });
    this.queue = new Queue(this, 'Queue', {
      ...encryption,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(DELIVERY_TIMEOUT_SECONDS * 6),
      // A message the worker could not handle (not a failed POST: that is queued again as a retry).
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    this.apiEnvironment = { WEBHOOK_LOCAL_HTTP: String(props.localHttp) };
    const environment = { ...props.environment, ...this.apiEnvironment, WEBHOOK_QUEUE_URL: this.queue.queueUrl };

    this.eventsFn = new ControlPlaneFunction(this, 'EventsFunction', {
      name: 'webhook-events',
      environment,
      protectData: props.protectData,
      timeoutSeconds: 30,
    }).fn;
    this.eventsFn.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 25,
        bisectBatchOnError: true,
        retryAttempts: 100,
        maxRecordAge: Duration.hours(24),
        filters: [
          FilterCriteria.filter({ eventName: FilterRule.isEqual('MODIFY'), dynamodb: { Keys: { sk: { S: FilterRule.isEqual('JOB') } } } }),
        ],
      }),
    );
    Validations.of(this.eventsFn.role ?? this.eventsFn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'dynamodb:ListStreams, which the stream event source needs, has no resource-level permissions.',
    });
    this.queue.grantSendMessages(this.eventsFn);

    this.deliveryFn = new ControlPlaneFunction(this, 'DeliveryFunction', {
      name: 'webhook-delivery',
      environment,
      protectData: props.protectData,
      timeoutSeconds: DELIVERY_TIMEOUT_SECONDS,
    }).fn;
    this.deliveryFn.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }));
    this.queue.grantSendMessages(this.deliveryFn);
  }
}

export { WebhookDeliveries };
