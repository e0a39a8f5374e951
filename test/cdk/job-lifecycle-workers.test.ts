/**
 * The workers that make every job end (lib/constructs/job-lifecycle-workers.ts) and what feeds
 * them: the table's stream and the OpenJobs index, the relay's stream event source, the sweeper's
 * schedule, the dead-letter consumer's queue event source and its alarm. Each configuration is
 * synthesized once, in `beforeAll`.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ACTIVE_NODES_INDEX, CUSTOMER_JOBS_INDEX, OPEN_JOBS_INDEX } from '../../lambdas/adapters/dynamodb/items.js';
import { type CfnResource, render, resourceByPrefix, resourcesOfType, synthesizeOnce } from './support/synth.js';

const CONFIGURATIONS = [
  { case: 'dev', context: { stage: 'dev' } },
  { case: 'prod', context: { stage: 'prod' } },
  {
    case: 'custom windows',
    context: { stage: 'dev', jobClaimSeconds: '120', jobCompletionSeconds: '600', envelopeRetentionSeconds: '86400' },
  },
] as const;

const synthesized = synthesizeOnce(CONFIGURATIONS);

const CASES = CONFIGURATIONS.map(({ case: name }) => ({ case: name }));

const logicalId = (template: Template, type: string, prefix: string): string => resourceByPrefix(template, type, prefix)[0];
const tableId = (template: Template) => logicalId(template, 'AWS::DynamoDB::Table', 'ControlPlaneTable');
const deadLetterQueueId = (template: Template) => logicalId(template, 'AWS::SQS::Queue', 'NodeCommandQueuesDeadLetterQueue');
const functionId = (template: Template, prefix: string) => logicalId(template, 'AWS::Lambda::Function', prefix);

/** The event source mapping that invokes the function with logical id `fnId`; exactly one. */
function mappingOf(template: Template, fnId: string): CfnResource {
  const found = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').filter(
    ([, mapping]) => render(mapping.Properties?.FunctionName) === `\${${fnId}}`,
  );
  if (found.length !== 1) throw new Error(`expected one event source mapping for ${fnId}, found ${found.length}`);
  return found[0]![1];
}

describe.each(CASES)('control-plane table ($case)', ({ case: name }) => {
  it('streams only the keys of changed items (KEYS_ONLY): the relay reads the job itself', () => {
    const [, table] = resourceByPrefix(synthesized(name).template, 'AWS::DynamoDB::Table', 'ControlPlaneTable');
    expect(table.Properties?.StreamSpecification).toEqual({ StreamViewType: 'KEYS_ONLY' });
  });

  it('has three indexes: OpenJobs (open_shard and due_at, with the attributes the sweeper and release-stale read) and the two listings', () => {
    const [, table] = resourceByPrefix(synthesized(name).template, 'AWS::DynamoDB::Table', 'ControlPlaneTable');
    expect(table.Properties?.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: OPEN_JOBS_INDEX,
        KeySchema: [
          { AttributeName: 'open_shard', KeyType: 'HASH' },
          { AttributeName: 'due_at', KeyType: 'RANGE' },
        ],
        Projection: {
          ProjectionType: 'INCLUDE',
          NonKeyAttributes: expect.arrayContaining(['customer_id', 'job_id', 'node_id', 'status', 'created_at', 'reserved_price_wei']),
        },
      },
      // A customer's jobs newest first, every attribute: a listing page is one query, no read per job.
      {
        IndexName: CUSTOMER_JOBS_INDEX,
        KeySchema: [
          { AttributeName: 'customer_id', KeyType: 'HASH' },
          { AttributeName: 'job_order', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      // Sparse: only active nodes carry active_nodes.
      {
        IndexName: ACTIVE_NODES_INDEX,
        KeySchema: [
          { AttributeName: 'active_nodes', KeyType: 'HASH' },
          { AttributeName: 'node_id', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['status', 'models', 'model_ids', 'last_seen_at'] },
      },
    ]);
    expect(OPEN_JOBS_INDEX).toBe('OpenJobs');
    const projected = (table.Properties?.GlobalSecondaryIndexes as { Projection: { NonKeyAttributes: string[] } }[])[0]!.Projection
      .NonKeyAttributes;
    expect([...projected].sort()).toEqual(['created_at', 'customer_id', 'job_id', 'node_id', 'reserved_price_wei', 'status']);
    expect(table.Properties?.LocalSecondaryIndexes).toBeUndefined();
  });

  it('declares the index keys as strings (ISO-8601 deadlines sort as strings)', () => {
    const [, table] = resourceByPrefix(synthesized(name).template, 'AWS::DynamoDB::Table', 'ControlPlaneTable');
    const definitions = table.Properties?.AttributeDefinitions as { AttributeName: string; AttributeType: string }[];
    expect(definitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'open_shard', AttributeType: 'S' },
        { AttributeName: 'due_at', AttributeType: 'S' },
      ]),
    );
  });
});

describe.each(CASES)('command relay ($case)', ({ case: name }) => {
  it('is invoked from the table stream, from the oldest record, by exactly one event source mapping', () => {
    const { template } = synthesized(name);
    const relay = functionId(template, 'CommandRelayFunction');
    const mapping = mappingOf(template, relay);
    expect(render(mapping.Properties?.EventSourceArn)).toBe(`\${${tableId(template)}.StreamArn}`);
    expect(mapping.Properties?.StartingPosition).toBe('TRIM_HORIZON');
    expect(mapping.Properties?.Enabled ?? true).toBe(true);
  });

  it('bisects failing batches and retries until a record is as old as the claim window', () => {
    const { template, config } = synthesized(name);
    const mapping = mappingOf(template, functionId(template, 'CommandRelayFunction'));
    expect(mapping.Properties?.BisectBatchOnFunctionError).toBe(true);
    const retries = mapping.Properties?.MaximumRetryAttempts;
    expect(Number.isInteger(retries) && (retries as number) >= 1 && (retries as number) <= 10_000).toBe(true);
    expect(mapping.Properties?.MaximumRecordAgeInSeconds).toBe(config.jobWindows.claimSeconds);
  });

  it('takes only INSERTs of job items (sk = JOB): not envelopes, ledger rows, updates or TTL deletions', () => {
    const { template } = synthesized(name);
    const mapping = mappingOf(template, functionId(template, 'CommandRelayFunction'));
    const filters = (mapping.Properties?.FilterCriteria as { Filters: { Pattern: string }[] }).Filters;
    expect(filters).toHaveLength(1);
    expect(JSON.parse(filters[0]!.Pattern)).toEqual({ eventName: ['INSERT'], dynamodb: { Keys: { sk: { S: ['JOB'] } } } });
  });

  it('has a batch size Lambda accepts for a DynamoDB stream', () => {
    const { template } = synthesized(name);
    const batchSize = mappingOf(template, functionId(template, 'CommandRelayFunction')).Properties?.BatchSize ?? 100;
    expect(batchSize).toBeGreaterThanOrEqual(1);
    expect(batchSize).toBeLessThanOrEqual(10_000);
  });
});

describe('command relay record age follows the configured claim window', () => {
  it.each([
    { case: 'default claim window', config: 'dev' as const, seconds: 900 },
    { case: '-c jobClaimSeconds=120', config: 'custom windows' as const, seconds: 120 },
  ])('stops retrying after $seconds s ($case)', ({ config, seconds }) => {
    const { template } = synthesized(config);
    expect(mappingOf(template, functionId(template, 'CommandRelayFunction')).Properties?.MaximumRecordAgeInSeconds).toBe(seconds);
  });
});

describe.each(CASES)('deadline sweeper ($case)', ({ case: name }) => {
  it('runs every minute: one enabled schedule rule whose only target is the sweeper', () => {
    const { template } = synthesized(name);
    const rules = resourcesOfType(template, 'AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0]!;
    expect(rule.Properties?.ScheduleExpression).toBe('rate(1 minute)');
    expect(rule.Properties?.State ?? 'ENABLED').toBe('ENABLED');
    const targets = rule.Properties?.Targets as { Arn: unknown }[];
    expect(targets.map((target) => render(target.Arn))).toEqual([`\${${functionId(template, 'DeadlineSweeperFunction')}.Arn}`]);
  });

  it('lets EventBridge invoke the sweeper only from that rule', () => {
    const { template } = synthesized(name);
    const sweeper = functionId(template, 'DeadlineSweeperFunction');
    const [ruleId] = resourcesOfType(template, 'AWS::Events::Rule')[0]!;
    const permissions = resourcesOfType(template, 'AWS::Lambda::Permission').filter(
      ([, permission]) => permission.Properties?.Principal === 'events.amazonaws.com',
    );
    expect(permissions.map(([, permission]) => permission.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [sweeper, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
      },
    ]);
  });

  it('has no event source mapping: only the schedule runs it', () => {
    const { template } = synthesized(name);
    const sweeper = functionId(template, 'DeadlineSweeperFunction');
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').filter(
      ([, mapping]) => render(mapping.Properties?.FunctionName) === `\${${sweeper}}`,
    );
    expect(mappings).toEqual([]);
  });
});

describe.each(CASES)('dead-letter consumer ($case)', ({ case: name }) => {
  it('is invoked from the dead-letter queue and reports partial batch failures', () => {
    const { template } = synthesized(name);
    const mapping = mappingOf(template, functionId(template, 'DeadLetterConsumerFunction'));
    expect(render(mapping.Properties?.EventSourceArn)).toBe(`\${${deadLetterQueueId(template)}.Arn}`);
    expect(mapping.Properties?.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    // A FIFO queue takes at most 10 messages per batch.
    expect(mapping.Properties?.BatchSize ?? 10).toBeLessThanOrEqual(10);
    expect(mapping.Properties?.Enabled ?? true).toBe(true);
  });

  it("has a queue visibility timeout no shorter than its function's timeout (Lambda refuses the mapping otherwise)", () => {
    const { template } = synthesized(name);
    const [, queue] = resourceByPrefix(template, 'AWS::SQS::Queue', 'NodeCommandQueuesDeadLetterQueue');
    const [, fn] = resourceByPrefix(template, 'AWS::Lambda::Function', 'DeadLetterConsumerFunction');
    const visibility = (queue.Properties?.VisibilityTimeout as number | undefined) ?? 30;
    expect(visibility).toBeGreaterThanOrEqual(fn.Properties?.Timeout as number);
  });

  it('is the only function fed by the dead-letter queue, and the stream feeds only the relay and the webhook events function', () => {
    const { template } = synthesized(name);
    const sources = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').map(([, mapping]) => ({
      source: render(mapping.Properties?.EventSourceArn),
      fn: render(mapping.Properties?.FunctionName),
    }));
    expect(sources.sort((a, b) => a.fn.localeCompare(b.fn))).toEqual(
      [
        { source: `\${${tableId(template)}.StreamArn}`, fn: `\${${functionId(template, 'CommandRelayFunction')}}` },
        { source: `\${${deadLetterQueueId(template)}.Arn}`, fn: `\${${functionId(template, 'DeadLetterConsumerFunction')}}` },
        { source: `\${${tableId(template)}.StreamArn}`, fn: `\${${functionId(template, 'WebhooksEventsFunction')}}` },
        {
          source: `\${${resourceByPrefix(template, 'AWS::SQS::Queue', 'WebhooksQueue')[0]}.Arn}`,
          fn: `\${${functionId(template, 'WebhooksDeliveryFunction')}}`,
        },
      ].sort((a, b) => a.fn.localeCompare(b.fn)),
    );
  });
});

describe.each(CASES)('dead-letter queue alarm ($case)', ({ case: name }) => {
  /** The consumer's alarm; the stack's other alarms are the monitoring construct's (control-plane-monitoring.test.ts). */
  const depthAlarm = (template: Template) => resourceByPrefix(template, 'AWS::CloudWatch::Alarm', 'DeadLetterConsumerDepthAlarm')[1];

  it('fires when a message has been visible in the dead-letter queue for five one-minute periods', () => {
    const { template } = synthesized(name);
    expect(depthAlarm(template).Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetterQueueId(template), 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 1,
      EvaluationPeriods: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(depthAlarm(template).Properties?.DatapointsToAlarm ?? 5).toBe(5);
  });

  it('is the only alarm on the dead-letter queue', () => {
    const { template } = synthesized(name);
    const onQueue = resourcesOfType(template, 'AWS::CloudWatch::Alarm').filter(([, alarm]) =>
      JSON.stringify(alarm.Properties).includes(deadLetterQueueId(template)),
    );
    expect(onQueue.map(([id]) => id)).toEqual([resourceByPrefix(template, 'AWS::CloudWatch::Alarm', 'DeadLetterConsumerDepthAlarm')[0]]);
  });

  it('stays quiet without data (an idle queue emits no datapoints)', () => {
    expect(depthAlarm(synthesized(name).template).Properties?.TreatMissingData).toBe('notBreaching');
  });

  it('names the stack in its description', () => {
    const { template, config } = synthesized(name);
    expect(String(depthAlarm(template).Properties?.AlarmDescription)).toContain(`B3iqPrivateInference-${config.stage}`);
  });
});
