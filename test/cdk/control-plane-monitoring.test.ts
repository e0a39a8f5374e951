/**
 * What an operator watches (lib/constructs/control-plane-monitoring.ts, and the dead-letter consumer's
 * alarm): every alarm of the stack, row by row, with its metric, threshold, periods, datapoints,
 * comparison and missing-data treatment; the business metrics' namespace and `service` dimension,
 * shared with the Lambdas (lambdas/observability/metrics.ts); X-Ray tracing; the dashboard. Each
 * configuration is synthesized once, in `beforeAll`.
 */
import { readFileSync } from 'node:fs';
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { METRIC, METRICS_NAMESPACE } from '../../lambdas/observability/metric-names.js';
import type { StageConfig } from '../../lib/config.js';
import { TRANSACTIONS_CANCELLED_TITLE } from '../../lib/constructs/control-plane-monitoring.js';
import { asList, render, resourceByPrefix, resourcesOfType, synthesizeOnce } from './support/synth.js';

const CONFIGURATIONS = [
  { case: 'dev', context: { stage: 'dev' } },
  { case: 'prod', context: { stage: 'prod' } },
  {
    case: 'custom windows',
    context: { stage: 'dev', jobClaimSeconds: '120', jobCompletionSeconds: '600', envelopeRetentionSeconds: '86400' },
  },
] as const;

type Case = (typeof CONFIGURATIONS)[number]['case'];
const synthesized = synthesizeOnce(CONFIGURATIONS);
const CASES = CONFIGURATIONS.map(({ case: name }) => ({ case: name }));

const stackName = (config: StageConfig) => `B3iqPrivateInference-${config.stage}`;

const API_FUNCTIONS = [
  { name: 'customer-jobs', prefix: 'CustomerJobsFunction' },
  { name: 'customer-reads', prefix: 'CustomerReadsFunction' },
  { name: 'admin', prefix: 'AdminFunction' },
  { name: 'node-api', prefix: 'NodeApiFunction' },
] as const;

const FUNCTION_PREFIXES = [
  ...API_FUNCTIONS.map((fn) => fn.prefix),
  'CommandRelayFunction',
  'DeadlineSweeperFunction',
  'DeadLetterConsumerFunction',
  'WebhooksEventsFunction',
  'WebhooksDeliveryFunction',
] as const;

// ---- alarms, as comparable values ------------------------------------------------------------

interface Dimension {
  Name: string;
  Value: unknown;
}

/** One metric an alarm reads: `statistic` is Statistic or ExtendedStatistic (p99). */
interface MetricSpec {
  namespace: string;
  metricName: string;
  dimensions: Dimension[];
  statistic: string;
  period: number;
}

/** A metric math alarm: its expression and the metrics it reads, by id. */
interface ExpressionSpec {
  expression: string;
  period: number;
  inputs: Record<string, MetricSpec>;
}

interface AlarmSpec {
  metric: MetricSpec | ExpressionSpec;
  threshold: number;
  evaluationPeriods: number;
  /** DatapointsToAlarm, or EvaluationPeriods when unset (CloudWatch's default). */
  datapointsToAlarm: number;
  comparison: string;
  treatMissingData: string;
}

interface CfnMetricDataQuery {
  Id: string;
  Expression?: string;
  Period?: number;
  ReturnData?: boolean;
  MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions?: Dimension[] }; Stat: string; Period: number };
}

/** An AWS::CloudWatch::Alarm's properties as an AlarmSpec: plain metric or metric math alike. */
function alarmSpec(properties: Record<string, unknown>): AlarmSpec {
  let metric: MetricSpec | ExpressionSpec;
  const queries = properties.Metrics as CfnMetricDataQuery[] | undefined;
  if (queries === undefined) {
    metric = {
      namespace: properties.Namespace as string,
      metricName: properties.MetricName as string,
      dimensions: (properties.Dimensions as Dimension[] | undefined) ?? [],
      statistic: (properties.Statistic ?? properties.ExtendedStatistic) as string,
      period: properties.Period as number,
    };
  } else {
    const returned = queries.filter((query) => query.ReturnData !== false);
    if (returned.length !== 1 || returned[0]!.Expression === undefined) throw new Error('expected one returned expression');
    metric = {
      expression: returned[0]!.Expression,
      period: returned[0]!.Period ?? 0,
      inputs: Object.fromEntries(
        queries
          .filter((query) => query.MetricStat !== undefined)
          .map(({ Id, MetricStat }) => [
            Id,
            {
              namespace: MetricStat!.Metric.Namespace,
              metricName: MetricStat!.Metric.MetricName,
              dimensions: MetricStat!.Metric.Dimensions ?? [],
              statistic: MetricStat!.Stat,
              period: MetricStat!.Period,
            },
          ]),
      ),
    };
  }
  return {
    metric,
    threshold: properties.Threshold as number,
    evaluationPeriods: properties.EvaluationPeriods as number,
    datapointsToAlarm: (properties.DatapointsToAlarm ?? properties.EvaluationPeriods) as number,
    comparison: properties.ComparisonOperator as string,
    treatMissingData: properties.TreatMissingData as string,
  };
}

// ---- the expected alarms ----------------------------------------------------------------------

const logicalId = (template: Template, type: string, prefix: string) => resourceByPrefix(template, type, prefix)[0];

/** API Gateway publishes per API name and stage: the REST API is named per stage, so stages never mix. */
const apiDimensions = (template: Template, config: StageConfig): Dimension[] => [
  { Name: 'ApiName', Value: `b3iq-${config.stage}` },
  { Name: 'Stage', Value: { Ref: logicalId(template, 'AWS::ApiGateway::Stage', 'ControlPlaneApiDeploymentStage') } },
];
/** The job submission route alone, so node pulls (20 s long polls) do not own the latency. */
const submitRouteDimensions = (template: Template, config: StageConfig): Dimension[] => [
  ...apiDimensions(template, config).slice(0, 1),
  { Name: 'Method', Value: 'POST' },
  { Name: 'Resource', Value: '/v1/private-inference/jobs' },
  ...apiDimensions(template, config).slice(1),
];
const functionDimensions = (template: Template, prefix: string): Dimension[] => [
  { Name: 'FunctionName', Value: { Ref: logicalId(template, 'AWS::Lambda::Function', prefix) } },
];
const serviceDimensions = (config: StageConfig): Dimension[] => [{ Name: 'service', Value: `b3iq-${config.stage}` }];

interface AlarmRow {
  /** The alarm's construct path below the stack, as the README's alarm table names it. */
  case: string;
  /** Logical id prefix of the AWS::CloudWatch::Alarm. */
  prefix: string;
  /** The README's name for the row (one row covers the per-function alarms). */
  readme: string;
  expected: (template: Template, config: StageConfig) => AlarmSpec;
}

const FIVE_MINUTES = 300;
const ONE_MINUTE = 60;

const ALARMS: AlarmRow[] = [
  {
    case: 'Monitoring/ServerErrorRateAlarm',
    prefix: 'MonitoringServerErrorRateAlarm',
    readme: 'Monitoring/ServerErrorRateAlarm',
    // 5XXError is 0 or 1 per request, so its Average is the 5xx share: over 1% for two 5-minute periods.
    expected: (template, config) => ({
      metric: {
        namespace: 'AWS/ApiGateway',
        metricName: '5XXError',
        dimensions: apiDimensions(template, config),
        statistic: 'Average',
        period: FIVE_MINUTES,
      },
      threshold: 0.01,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      comparison: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
    }),
  },
  {
    case: 'Monitoring/LatencyP99Alarm',
    prefix: 'MonitoringLatencyP99Alarm',
    readme: 'Monitoring/LatencyP99Alarm',
    expected: (template, config) => ({
      metric: {
        namespace: 'AWS/ApiGateway',
        metricName: 'Latency',
        dimensions: submitRouteDimensions(template, config),
        statistic: 'p99',
        period: FIVE_MINUTES,
      },
      threshold: 1000,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      comparison: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
    }),
  },
  ...API_FUNCTIONS.map(
    ({ name, prefix }): AlarmRow => ({
      case: `Monitoring/ThrottlesAlarm-${name}`,
      prefix: `MonitoringThrottlesAlarm${name.replace(/-/g, '')}`,
      readme: 'Monitoring/ThrottlesAlarm-<function>',
      expected: (template) => ({
        metric: {
          namespace: 'AWS/Lambda',
          metricName: 'Throttles',
          dimensions: functionDimensions(template, prefix),
          statistic: 'Sum',
          period: FIVE_MINUTES,
        },
        threshold: 1,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        comparison: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching',
      }),
    }),
  ),
  {
    case: 'Monitoring/OldestReservationAlarm',
    prefix: 'MonitoringOldestReservationAlarm',
    readme: 'Monitoring/OldestReservationAlarm',
    // The sweeper reports every minute (0 when nothing is open): no data means it is not running.
    expected: (_template, config) => ({
      metric: {
        namespace: 'B3IQ/PrivateInference',
        metricName: 'OldestReservationAgeSeconds',
        dimensions: serviceDimensions(config),
        statistic: 'Maximum',
        period: ONE_MINUTE,
      },
      threshold: config.jobWindows.completionSeconds + 300,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      comparison: 'GreaterThanThreshold',
      treatMissingData: 'breaching',
    }),
  },
  {
    case: 'Monitoring/SweeperFailuresAlarm',
    prefix: 'MonitoringSweeperFailuresAlarm',
    readme: 'Monitoring/SweeperFailuresAlarm',
    expected: (template) => ({
      metric: {
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensions: functionDimensions(template, 'DeadlineSweeperFunction'),
        statistic: 'Sum',
        period: ONE_MINUTE,
      },
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparison: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
    }),
  },
  {
    case: 'Monitoring/RelayBehindAlarm',
    prefix: 'MonitoringRelayBehindAlarm',
    readme: 'Monitoring/RelayBehindAlarm',
    // Five minutes, or half the claim window when that is shorter (the relay drops records older than it).
    expected: (template, config) => ({
      metric: {
        namespace: 'AWS/Lambda',
        metricName: 'IteratorAge',
        dimensions: functionDimensions(template, 'CommandRelayFunction'),
        statistic: 'Maximum',
        period: ONE_MINUTE,
      },
      threshold: Math.min(300, Math.floor(config.jobWindows.claimSeconds / 2)) * 1000,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      comparison: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
    }),
  },
  {
    case: 'Monitoring/WebhookDeliveryBehindAlarm',
    prefix: 'MonitoringWebhookDeliveryBehindAlarm',
    readme: 'Monitoring/WebhookDeliveryBehindAlarm',
    // A retry is a new message delayed at most 15 minutes: older than 30 minutes means no worker consumes.
    expected: (template) => ({
      metric: {
        namespace: 'AWS/SQS',
        metricName: 'ApproximateAgeOfOldestMessage',
        dimensions: [
          { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'WebhooksQueue'), 'QueueName'] } },
        ],
        statistic: 'Maximum',
        period: ONE_MINUTE,
      },
      threshold: 1800,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      comparison: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
    }),
  },
  {
    case: 'Monitoring/WebhookEndpointsFailingAlarm',
    prefix: 'MonitoringWebhookEndpointsFailingAlarm',
    readme: 'Monitoring/WebhookEndpointsFailingAlarm',
    expected: (_template, config) => ({
      metric: {
        namespace: 'B3IQ/PrivateInference',
        metricName: 'WebhookFailingEndpointAttempts',
        dimensions: serviceDimensions(config),
        statistic: 'Sum',
        period: 900,
      },
      threshold: 5,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      comparison: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
    }),
  },
  {
    case: 'DeadLetterConsumer/DepthAlarm',
    prefix: 'DeadLetterConsumerDepthAlarm',
    readme: 'DeadLetterConsumer/DepthAlarm',
    expected: (template) => ({
      metric: {
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'NodeCommandQueuesDeadLetterQueue'), 'QueueName'] },
          },
        ],
        statistic: 'Maximum',
        period: ONE_MINUTE,
      },
      threshold: 1,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      comparison: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
    }),
  },
];

/** jobCompletionSeconds + 5 minutes, written out per configuration. */
const OLDEST_RESERVATION_THRESHOLD: Record<Case, number> = { dev: 3600 + 300, prod: 3600 + 300, 'custom windows': 600 + 300 };

const alarmOf = (template: Template, row: AlarmRow) => resourceByPrefix(template, 'AWS::CloudWatch::Alarm', row.prefix);

describe.each(CASES)('alarms ($case)', ({ case: name }) => {
  it('are exactly the rows of the alarm table: one CloudWatch alarm each, and no other', () => {
    const { template } = synthesized(name);
    const ids = resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([id]) => id);
    expect(ids.sort()).toEqual(ALARMS.map((row) => alarmOf(template, row)[0]).sort());
    expect(ids).toHaveLength(12);
  });

  it.each(ALARMS)('$case has its metric, threshold, periods, datapoints, comparison and missing-data treatment', (row) => {
    const { template, config } = synthesized(name);
    const [, alarm] = alarmOf(template, row);
    expect(alarmSpec(alarm.Properties!)).toEqual(row.expected(template, config));
  });

  it.each(ALARMS)('$case has a description that starts with the stack name and points to the README', (row) => {
    const { template, config } = synthesized(name);
    const description = alarmOf(template, row)[1].Properties?.AlarmDescription;
    expect(typeof description).toBe('string');
    expect(description as string).toMatch(new RegExp(`^${stackName(config)}: \\S`));
    expect(description as string).toContain('(see README, Alarms)');
  });

  it('sets OldestReservationAlarm at jobCompletionSeconds + 300', () => {
    const { template, config } = synthesized(name);
    const threshold = alarmOf(template, ALARMS.find((row) => row.case === 'Monitoring/OldestReservationAlarm')!)[1].Properties?.Threshold;
    expect(threshold).toBe(OLDEST_RESERVATION_THRESHOLD[name]);
    expect(threshold).toBe(config.jobWindows.completionSeconds + 300);
  });
});

describe.each(CASES)('business metrics ($case)', ({ case: name }) => {
  it("are read in the Lambdas' namespace, with service = b3iq-<stage>, the POWERTOOLS_SERVICE_NAME of every function", () => {
    const { template, config } = synthesized(name);
    expect(METRICS_NAMESPACE).toBe('B3IQ/PrivateInference');
    expect(METRIC.oldestReservationAgeSeconds).toBe('OldestReservationAgeSeconds');
    const [, alarm] = alarmOf(template, ALARMS.find((row) => row.case === 'Monitoring/OldestReservationAlarm')!);
    expect(alarm.Properties).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC.oldestReservationAgeSeconds,
      Dimensions: [{ Name: 'service', Value: `b3iq-${config.stage}` }],
    });
    for (const prefix of FUNCTION_PREFIXES) {
      const [, fn] = resourceByPrefix(template, 'AWS::Lambda::Function', prefix);
      expect((fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables.POWERTOOLS_SERVICE_NAME, prefix).toBe(
        `b3iq-${config.stage}`,
      );
    }
  });
});

describe('business metric names', () => {
  it('are distinct CloudWatch metric names', () => {
    const names = Object.values(METRIC);
    expect(new Set(names).size).toBe(names.length);
    for (const metricName of names) expect(metricName).toMatch(/^[A-Z][A-Za-z]+$/);
  });
});

describe.each(CASES)('X-Ray tracing ($case)', ({ case: name }) => {
  it('is active on every Lambda', () => {
    const { template } = synthesized(name);
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(FUNCTION_PREFIXES.length);
    for (const [id, fn] of functions) expect(fn.Properties?.TracingConfig, id).toEqual({ Mode: 'Active' });
  });

  it('is enabled on the API stage', () => {
    const stages = resourcesOfType(synthesized(name).template, 'AWS::ApiGateway::Stage');
    expect(stages).toHaveLength(1);
    expect(stages[0]![1].Properties?.TracingEnabled).toBe(true);
  });
});

// ---- the dashboard ----------------------------------------------------------------------------

interface DashboardBody {
  widgets: { type: string; properties: { title?: string; alarms?: string[]; metrics?: unknown[][] } }[];
}

/** The dashboard body rendered to text (tokens as `${Id.Attr}`) and parsed. */
function dashboard(template: Template): { name: unknown; text: string; body: DashboardBody } {
  const dashboards = resourcesOfType(template, 'AWS::CloudWatch::Dashboard');
  expect(dashboards).toHaveLength(1);
  const properties = dashboards[0]![1].Properties!;
  const text = render(properties.DashboardBody);
  return { name: properties.DashboardName, text, body: JSON.parse(text) as DashboardBody };
}

/** Every graphed metric as [namespace, name, ...dimension name/value pairs], without its options. */
function graphedMetrics(body: DashboardBody): string[][] {
  return body.widgets
    .filter((widget) => widget.type === 'metric')
    .flatMap((widget) => widget.properties.metrics ?? [])
    .map((metric) => metric.filter((part): part is string => typeof part === 'string'));
}

describe.each(CASES)('dashboard ($case)', ({ case: name }) => {
  it('is named <stack name>-control-plane', () => {
    const { template, config } = synthesized(name);
    expect(dashboard(template).name).toBe(`${stackName(config)}-control-plane`);
  });

  it('shows the state of every alarm of the stack', () => {
    const { template } = synthesized(name);
    const { body, text } = dashboard(template);
    const shown = body.widgets.filter((widget) => widget.type === 'alarm').flatMap((widget) => widget.properties.alarms ?? []);
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([id]) => id);
    expect(shown.sort()).toEqual(alarms.map((id) => `\${${id}.Arn}`).sort());
    for (const id of alarms) expect(text).toContain(`\${${id}.Arn}`);
  });

  it("graphs every business metric of METRIC, each in the Lambdas' namespace with service = b3iq-<stage>", () => {
    const { template, config } = synthesized(name);
    const { body, text } = dashboard(template);
    const business = graphedMetrics(body).filter((metric) => metric[0] === METRICS_NAMESPACE);
    for (const metric of business) expect(metric.slice(2)).toEqual(['service', `b3iq-${config.stage}`]);
    expect([...new Set(business.map((metric) => metric[1]))].sort()).toEqual(Object.values(METRIC).sort());
    for (const metricName of Object.values(METRIC)) expect(text).toContain(`"${metricName}"`);
  });

  it('graphs cancelled transactions by reason in one widget: condition, transaction conflict, throttled', () => {
    const { body } = dashboard(synthesized(name).template);
    const widgets = body.widgets.filter((widget) => widget.properties.title === TRANSACTIONS_CANCELLED_TITLE);
    expect(widgets).toHaveLength(1);
    const names = graphedMetrics({ widgets }).map((metric) => [metric[0], metric[1]]);
    expect(names).toEqual([
      [METRICS_NAMESPACE, 'TransactionsCancelledCondition'],
      [METRICS_NAMESPACE, 'TransactionsCancelledConflict'],
      [METRICS_NAMESPACE, 'TransactionsCancelledThrottled'],
    ]);
  });

  it('renders to JSON with no unresolved token but the region and resource references', () => {
    const { text } = dashboard(synthesized(name).template);
    const references = [...text.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1]!);
    for (const reference of references) expect(reference).toMatch(/^(AWS::Region|[A-Za-z0-9]+(\.[A-Za-z]+)?)$/);
    expect(text).not.toMatch(/\$\{Token\[/);
  });
});

describe('README', () => {
  it('lists every alarm of the stack in the table under its alarms heading, where the descriptions point', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const heading = readme.search(/^## .*\balarms\b/im);
    expect(heading).toBeGreaterThanOrEqual(0);
    const section = readme.slice(heading, readme.indexOf('\n## ', heading + 1) === -1 ? undefined : readme.indexOf('\n## ', heading + 1));
    const listed = [...section.matchAll(/^\| `([^`]+)` *\|/gm)].map((match) => match[1]!);
    expect([...new Set(ALARMS.map((row) => row.readme))].sort()).toEqual([...listed].sort());
  });
});

describe.each(CASES)('alarm notifications ($case)', ({ case: name }) => {
  it('sends every alarm to one KMS-encrypted, TLS-only topic that is a stack output', () => {
    const { template } = synthesized(name);
    const [topicId, topic] = resourceByPrefix(template, 'AWS::SNS::Topic', 'MonitoringAlarmTopic');
    // Encrypted with the stack's data key, the key whose policy lets CloudWatch publish (next test), not any key.
    const [dataKeyId] = resourceByPrefix(template, 'AWS::KMS::Key', 'DataKey');
    expect(topic.Properties?.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [dataKeyId, 'Arn'] });
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBe(ALARMS.length);
    for (const [, alarm] of alarms) expect(alarm.Properties?.AlarmActions).toEqual([{ Ref: topicId }]);
    // TLS only: this topic's own policy denies every publish or subscribe that is not over TLS.
    const policies = resourcesOfType(template, 'AWS::SNS::TopicPolicy').filter(([, policy]) =>
      asList(policy.Properties?.Topics).some((topic) => render(topic) === `\${${topicId}}`),
    );
    expect(policies).toHaveLength(1);
    const statements = (policies[0]![1].Properties?.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Resource: { Ref: topicId },
      }),
    );
    expect(template.toJSON().Outputs?.AlarmTopicArn?.Value).toEqual({ Ref: topicId });
  });

  it('lets CloudWatch use the data key for the topic only on behalf of this account', () => {
    const { template } = synthesized(name);
    const [, key] = resourceByPrefix(template, 'AWS::KMS::Key', 'DataKey');
    const statements = (key.Properties?.KeyPolicy as { Statement: { Principal?: { Service?: string }; Condition?: unknown }[] }).Statement;
    const cloudwatch = statements.filter((statement) => render(statement.Principal).includes('cloudwatch.amazonaws.com'));
    expect(cloudwatch).toHaveLength(1);
    expect(render(cloudwatch[0]!.Condition)).toContain('aws:SourceAccount');
  });

  it('does not let Lambda retry a failed sweep (the next scheduled run is the retry)', () => {
    const { template } = synthesized(name);
    const sweeper = resourceByPrefix(template, 'AWS::Lambda::Function', 'DeadlineSweeperFunction')[0];
    const configs = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').filter(([, config]) =>
      render(config.Properties?.FunctionName).includes(sweeper),
    );
    expect(configs.map(([, config]) => config.Properties?.MaximumRetryAttempts)).toEqual([0]);
  });
});
