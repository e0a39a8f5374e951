/**
 * Node command queues. Each node's FIFO queue is created at enrollment (its name is the node id
 * behind a fixed prefix), so IAM can only be scoped to that prefix. This construct owns the shared
 * dead-letter queue and the grants; it never creates a node queue itself.
 */
import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';

interface NodeCommandQueuesProps {
  prefix: string;
  deadLetterQueueName: string;
  dataKey: IKey;
  protectData: boolean;
}

class NodeCommandQueues extends Construct {
  readonly prefix: string;
  readonly deadLetterQueue: Queue;
  readonly #dataKey: IKey;

  constructor(scope: Construct, id: string, props: NodeCommandQueuesProps) {
    super(scope, id);
    this.prefix = props.prefix;
    this.#dataKey = props.dataKey;
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      // An explicit `.fifo` name: FIFO node queues need a FIFO dead-letter queue, and some
      // emulators only honour FIFO when the name says so. Configuration keeps it outside the prefix.
      queueName: props.deadLetterQueueName,
      fifo: true,
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.dataKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This is the dead-letter queue of the node queues, which are created at enrollment with a redrive policy naming it.',
    });
  }

  /** ARN pattern of every node queue; the only wildcard, and it stops at the prefix. */
  get nodeQueueArns(): string {
    const stack = Stack.of(this);
    return stack.formatArn({ service: 'sqs', resource: `${this.prefix}*` });
  }

  /** What enrollment needs: create a node's queue (encrypted, redriven to the DLQ) and look it up. */
  grantCreate(grantee: IGrantable & IConstruct): void {
    this.#acknowledgePrefix(grantee);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['sqs:CreateQueue', 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes', 'sqs:SetQueueAttributes', 'sqs:TagQueue'],
        resources: [this.nodeQueueArns],
      }),
    );
  }

  /** What the job path needs: find a node's queue and send to it, encrypting with the data key. */
  grantSend(grantee: IGrantable & IConstruct): void {
    this.#acknowledgePrefix(grantee);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sqs:GetQueueUrl', 'sqs:SendMessage'], resources: [this.nodeQueueArns] }),
    );
    this.#dataKey.grant(grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
  }

  /** What a node's pulls need: receive from, extend leases on and delete from node queues, decrypting with the data key. */
  grantConsume(grantee: IGrantable & IConstruct): void {
    this.#acknowledgePrefix(grantee);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['sqs:GetQueueUrl', 'sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage'],
        resources: [this.nodeQueueArns],
      }),
    );
    this.#dataKey.grant(grantee, 'kms:Decrypt');
  }

  #acknowledgePrefix(grantee: IGrantable & IConstruct): void {
    // cdk-nag names the ARN as rendered: with @aws-cdk/core:enablePartitionLiterals and a known
    // region the partition is a literal (`arn:aws:sqs:…`), otherwise the `AWS::Partition` reference.
    const { partition, region, account } = Stack.of(this);
    const shown = (value: string, placeholder: string) => (Token.isUnresolved(value) ? placeholder : value);
    const target = grantee.grantPrincipal instanceof Construct ? grantee.grantPrincipal : grantee;
    Validations.of(target).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${shown(partition, '<AWS::Partition>')}:sqs:${shown(region, '<AWS::Region>')}:${shown(account, '<AWS::AccountId>')}:${this.prefix}*]`,
      reason: 'Node queues are created at enrollment and named by the node id behind a fixed prefix; the prefix is the narrowest scope.',
    });
  }
}

export { NodeCommandQueues };
