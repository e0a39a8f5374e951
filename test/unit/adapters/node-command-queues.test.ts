/**
 * Node queue creation. The SQS client is stubbed: to see the exact attributes CreateQueue is called
 * with, and to inject CreateQueue's refusal of a queue made with other attributes, which the emulator
 * gives only for an attribute the old queue states explicitly (test/integration/admin.test.ts).
 */
import {
  CreateQueueCommand,
  GetQueueUrlCommand,
  QueueDeletedRecently,
  QueueNameExists,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, it, vi } from 'vitest';
import { NodeCommandQueues } from '../../../lambdas/adapters/node-command-queues.js';

const SETTINGS = {
  prefix: 'b3iq-node-',
  deadLetterQueueArn: 'arn:aws:sqs:us-east-1:000000000000:b3iq-dlq.fifo',
  kmsKeyId: 'arn:aws:kms:us-east-1:000000000000:key/data-key',
  maxReceiveCount: 5,
  visibilityTimeoutSeconds: 90,
};
const NAME = 'b3iq-node-node-1.fifo';
const URL = `http://sqs.local/000000000000/${NAME}`;

/** What we own on a node queue: everything but FifoQueue, which only CreateQueue sets. */
const OWNED = {
  ContentBasedDeduplication: 'false',
  DeduplicationScope: 'messageGroup',
  FifoThroughputLimit: 'perMessageGroupId',
  KmsMasterKeyId: SETTINGS.kmsKeyId,
  KmsDataKeyReusePeriodSeconds: '300',
  MessageRetentionPeriod: String(4 * 24 * 3600),
  VisibilityTimeout: '90',
  RedrivePolicy: JSON.stringify({ deadLetterTargetArn: SETTINGS.deadLetterQueueArn, maxReceiveCount: 5 }),
  Policy: expect.stringContaining(`"Resource":"arn:aws:sqs:us-east-1:000000000000:${NAME}"`),
};

/** An SQS client that answers each command by its class name, or throws the given error. */
function stubClient(answers: Record<string, object | Error>) {
  const send = vi.fn(async (command: { constructor: { name: string } }) => {
    const answer = answers[command.constructor.name];
    if (answer === undefined) throw new Error(`unexpected ${command.constructor.name}`);
    if (answer instanceof Error) throw answer;
    return answer;
  });
  return { client: { send } as unknown as SQSClient, send };
}

const refusal = () =>
  new QueueNameExists({ message: 'A queue already exists with the same name and a different value for attribute', $metadata: {} });
const legacyRefusal = () => Object.assign(new Error('queue exists'), { name: 'QueueAlreadyExists' });

describe('NodeCommandQueues.ensureQueue', () => {
  it('creates the queue in high-throughput FIFO mode with one CreateQueue call (new node)', async () => {
    // Prepare
    const { client, send } = stubClient({ CreateQueueCommand: { QueueUrl: URL } });
    const queues = new NodeCommandQueues(client, SETTINGS);

    // Act
    const url = await queues.ensureQueue('node-1');

    // Assess
    expect(url).toBe(URL);
    expect(send).toHaveBeenCalledTimes(1);
    const command = send.mock.calls[0]?.[0];
    expect(command).toBeInstanceOf(CreateQueueCommand);
    expect((command as CreateQueueCommand).input).toEqual({
      QueueName: NAME,
      Attributes: { FifoQueue: 'true', ...OWNED },
      tags: { 'b3iq:node-id': 'node-1' },
    });
  });

  it.each([
    { case: 'the SDK’s QueueNameExists', error: refusal },
    { case: 'the query protocol’s QueueAlreadyExists', error: legacyRefusal },
  ])('upgrades a queue made with other attributes in place on $case (re-enrolled node)', async ({ error }) => {
    // Prepare
    const { client, send } = stubClient({
      CreateQueueCommand: error(),
      GetQueueUrlCommand: { QueueUrl: URL },
      SetQueueAttributesCommand: {},
    });
    const queues = new NodeCommandQueues(client, SETTINGS);

    // Act
    const url = await queues.ensureQueue('node-1');

    // Assess
    expect(url).toBe(URL);
    const [, lookUp, upgrade] = send.mock.calls.map(([command]) => command);
    expect(send).toHaveBeenCalledTimes(3);
    expect(lookUp).toBeInstanceOf(GetQueueUrlCommand);
    expect((lookUp as GetQueueUrlCommand).input).toEqual({ QueueName: NAME });
    expect(upgrade).toBeInstanceOf(SetQueueAttributesCommand);
    expect((upgrade as SetQueueAttributesCommand).input).toEqual({ QueueUrl: URL, Attributes: OWNED });
  });

  it('rethrows any other CreateQueue error and changes nothing', async () => {
    // Prepare
    const deleted = new QueueDeletedRecently({ message: 'deleted recently', $metadata: {} });
    const { client, send } = stubClient({
      CreateQueueCommand: deleted,
      GetQueueUrlCommand: { QueueUrl: URL },
      SetQueueAttributesCommand: {},
    });
    const queues = new NodeCommandQueues(client, SETTINGS);

    // Act
    const attempt = queues.ensureQueue('node-1');

    // Assess
    await expect(attempt).rejects.toBe(deleted);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('fails the enrollment when the upgrade is refused (the node must not be written without its queue)', async () => {
    // Prepare
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDenied' });
    const { client } = stubClient({
      CreateQueueCommand: refusal(),
      GetQueueUrlCommand: { QueueUrl: URL },
      SetQueueAttributesCommand: denied,
    });
    const queues = new NodeCommandQueues(client, SETTINGS);

    // Act
    const attempt = queues.ensureQueue('node-1');

    // Assess
    await expect(attempt).rejects.toBe(denied);
  });
});
