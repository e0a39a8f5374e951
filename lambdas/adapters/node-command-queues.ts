/**
 * Each enrolled node has its own FIFO queue, named `{prefix}{node_id}.fifo`, encrypted with the
 * stack's data key and redriven to the shared dead-letter queue. Messages are the command JSON
 * itself; the command id is the deduplication id, so a resend within SQS's five-minute window is
 * dropped, and its own message group, so one slow job never holds up another.
 *
 * The queues run in SQS's high-throughput FIFO mode. Without it a FIFO queue takes 300 calls a
 * second per action, and each job costs two SendMessage calls on its node's queue (the job path's
 * and the outbox relay's, which SQS drops as a duplicate but still counts), so one busy node would
 * be throttled near 150 jobs a second. In high-throughput mode the quota applies per message group,
 * and every command is a group of its own. Deduplicating per group drops exactly what
 * deduplicating per queue did, because the group id is the deduplication id.
 */
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  MessageNotInflight,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { NodeCommand } from '@b3iq/protocol';
import type { LeasedCommand, NodeQueues } from '../services/ports/outside.js';
import { AsyncCache } from './async-cache.js';

interface NodeQueueSettings {
  prefix: string;
  deadLetterQueueArn: string;
  kmsKeyId: string;
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
}

const RETENTION_SECONDS = 4 * 24 * 3600;

class NodeCommandQueues implements NodeQueues {
  readonly #client: SQSClient;
  readonly #settings: NodeQueueSettings;
  /** Queue URLs by node id, looked up once per container. */
  readonly #urls = new AsyncCache<string, string>((nodeId) => this.#lookUp(nodeId));

  constructor(client: SQSClient, settings: NodeQueueSettings) {
    this.#client = client;
    this.#settings = settings;
  }

  queueName(nodeId: string): string {
    return `${this.#settings.prefix}${nodeId}.fifo`;
  }

  /**
   * Creates the node's queue, or brings an existing one to the attributes we own. CreateQueue
   * answers the existing queue when its attributes are equal, and refuses when they differ (a queue
   * made before a change to them, such as the switch to high-throughput mode): that queue is then
   * upgraded in place, so re-enrolling a node is how its queue catches up.
   */
  async ensureQueue(nodeId: string): Promise<string> {
    const name = this.queueName(nodeId);
    const attributes = ownedAttributes(this.#settings, name);
    let url: string;
    try {
      const result = await this.#client.send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: { FifoQueue: 'true', ...attributes },
          tags: { 'b3iq:node-id': nodeId },
        }),
      );
      if (result.QueueUrl === undefined) throw new Error('CreateQueue returned no queue URL');
      url = result.QueueUrl;
    } catch (error) {
      if (!isTakenName(error)) throw error;
      url = await this.#lookUp(nodeId);
      await this.#client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
    }
    this.#urls.set(nodeId, url);
    return url;
  }

  /** Sends a command to its node's queue; `no_queue` when the node has no queue (it can never be delivered). */
  async send(command: NodeCommand): Promise<'sent' | 'no_queue'> {
    try {
      await this.#client.send(
        new SendMessageCommand({
          QueueUrl: await this.#urls.get(command.node_id),
          MessageBody: JSON.stringify(command),
          MessageGroupId: command.command_id,
          MessageDeduplicationId: command.command_id,
        }),
      );
      return 'sent';
    } catch (error) {
      if (!isMissingQueue(error)) throw error;
      this.#urls.delete(command.node_id);
      return 'no_queue';
    }
  }

  /**
   * Long-polls the node's queue. Each message is leased for `leaseSeconds`: it stays invisible to
   * other pulls until then, and comes back if the node neither finishes nor extends it.
   */
  async receive(nodeId: string, options: { max: number; waitSeconds: number; leaseSeconds: number }): Promise<LeasedCommand[]> {
    const result = await this.#client.send(
      new ReceiveMessageCommand({
        QueueUrl: await this.#urls.get(nodeId),
        MaxNumberOfMessages: options.max,
        WaitTimeSeconds: options.waitSeconds,
        VisibilityTimeout: options.leaseSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    return (result.Messages ?? []).flatMap((message) =>
      message.Body === undefined || message.ReceiptHandle === undefined
        ? []
        : [{ body: message.Body, leaseId: message.ReceiptHandle, receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1) }],
    );
  }

  /** Extends (or, with 0, gives up) a lease; `false` when the lease is no longer held. */
  async extendLease(nodeId: string, leaseId: string, seconds: number): Promise<boolean> {
    try {
      await this.#client.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: await this.#urls.get(nodeId), ReceiptHandle: leaseId, VisibilityTimeout: seconds }),
      );
      return true;
    } catch (error) {
      if (error instanceof MessageNotInflight || error instanceof ReceiptHandleIsInvalid) return false;
      throw error;
    }
  }

  /** Removes a finished command from the node's queue; a stale lease is ignored (the job is already closed). */
  async finish(nodeId: string, leaseId: string): Promise<void> {
    try {
      await this.#client.send(new DeleteMessageCommand({ QueueUrl: await this.#urls.get(nodeId), ReceiptHandle: leaseId }));
    } catch (error) {
      if (!(error instanceof ReceiptHandleIsInvalid)) throw error;
    }
  }

  /** Enrollment creates the queue before the node is written, so an enrolled node always has one. */
  async #lookUp(nodeId: string): Promise<string> {
    const result = await this.#client.send(new GetQueueUrlCommand({ QueueName: this.queueName(nodeId) }));
    if (result.QueueUrl === undefined) throw new Error('GetQueueUrl returned no queue URL');
    return result.QueueUrl;
  }
}

/**
 * The attributes of a node queue that we own and can change on an existing queue: all but
 * FifoQueue, which SQS fixes at creation.
 */
function ownedAttributes(settings: NodeQueueSettings, name: string): Record<string, string> {
  const { deadLetterQueueArn, kmsKeyId, maxReceiveCount, visibilityTimeoutSeconds } = settings;
  return {
    ContentBasedDeduplication: 'false',
    // High-throughput mode (see the top of this file): both are required for it.
    DeduplicationScope: 'messageGroup',
    FifoThroughputLimit: 'perMessageGroupId',
    KmsMasterKeyId: kmsKeyId,
    KmsDataKeyReusePeriodSeconds: '300',
    MessageRetentionPeriod: String(RETENTION_SECONDS),
    VisibilityTimeout: String(visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueueArn, maxReceiveCount }),
    Policy: JSON.stringify(denyInsecureTransport(queueArn(deadLetterQueueArn, name))),
  };
}

/** CreateQueue's refusal of a name taken by a queue with other attributes (`QueueAlreadyExists` in the query protocol). */
function isTakenName(error: unknown): boolean {
  return (
    error instanceof QueueNameExists ||
    (error instanceof Error && (error.name === 'QueueNameExists' || error.name === 'QueueAlreadyExists'))
  );
}

function isMissingQueue(error: unknown): boolean {
  return (
    error instanceof QueueDoesNotExist ||
    (error instanceof Error && (error.name === 'QueueDoesNotExist' || error.name === 'AWS.SimpleQueueService.NonExistentQueue'))
  );
}

/** The ARN of a queue in the same account and region as the dead-letter queue. */
function queueArn(siblingArn: string, name: string): string {
  return `${siblingArn.slice(0, siblingArn.lastIndexOf(':') + 1)}${name}`;
}

function denyInsecureTransport(arn: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sqs:*',
        Resource: arn,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  };
}

export type { NodeQueueSettings };
export { NodeCommandQueues };
