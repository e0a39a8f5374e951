/**
 * What an operator watches: one dashboard and the alarms, each named in the README's runbook.
 * Business metrics come from the Lambdas as embedded-metric-format lines
 * (lambdas/observability/metrics.ts, named in metric-names.ts); the rest are AWS's own metrics.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE } from '../../lambdas/observability/metric-names.js';

/** The dashboard widget that counts cancelled transactions by reason. */
const TRANSACTIONS_CANCELLED_TITLE = 'Transactions cancelled, by reason (condition, transaction conflict, throttled)';

interface ControlPlaneMonitoringProps {
  api: RestApi;
  /** The functions behind the API, by name. */
  apiFunctions: Record<string, IFunction>;
  relay: IFunction;
  sweeper: IFunction;
  deadLetterConsumer: IFunction;
  deadLetterQueue: IQueue;
  deadLetterAlarm: Alarm;
  /** The webhook delivery queue and the two webhook workers. */
  webhooks: { queue: IQueue; events: IFunction; delivery: IFunction };
  /** The `service` dimension of the business metrics (POWERTOOLS_SERVICE_NAME). */
  serviceName: string;
  /** A reservation older than this means jobs are not being ended. */
  maxReservationAgeSeconds: number;
  /** The relay gives up on stream records older than this. */
  claimSeconds: number;
  /** Encrypts the alarm topic. */
  dataKey: IKey;
}

const FIVE_MINUTES = Duration.minutes(5);
const ONE_MINUTE = Duration.minutes(1);

class ControlPlaneMonitoring extends Construct {
  readonly alarms: Alarm[];
  /** Where every alarm notifies; operators subscribe to it. */
  readonly alarmTopic: Topic;

  constructor(scope: Construct, id: string, props: ControlPlaneMonitoringProps) {
    super(scope, id);
    const { stackName, account } = Stack.of(this);
    this.alarmTopic = new Topic(this, 'AlarmTopic', { displayName: `${stackName} alarms`, masterKey: props.dataKey, enforceSSL: true });
    // CloudWatch publishes to the encrypted topic with the data key: this account's alarms only.
    props.dataKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    const business = (metricName: string, statistic = 'Sum') =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: props.serviceName },
        statistic,
        period: ONE_MINUTE,
      });
    const alarm = (name: string, description: string, options: Omit<ConstructorParameters<typeof Alarm>[2], 'alarmDescription'>) =>
      new Alarm(this, name, { ...options, alarmDescription: `${stackName}: ${description} (see README, Alarms)` });

    const stage = props.api.deploymentStage;
    const requests = stage.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' });
    // API Gateway records 5XXError as 0 or 1 per request: its average is the share of 5xx answers.
    // (No metric math: alarms stay plain metrics, which every emulator that deploys the stack accepts.)
    const serverErrorRate = stage.metricServerError({ period: FIVE_MINUTES, statistic: 'Average' });
    // The job submission route alone: node pulls long-poll for up to 20 s and would own the API's p99.
    const submitLatency = (statistic: string) =>
      new Metric({
        namespace: 'AWS/ApiGateway',
        metricName: 'Latency',
        dimensionsMap: { ApiName: props.api.restApiName, Stage: stage.stageName, Resource: '/v1/private-inference/jobs', Method: 'POST' },
        statistic,
        period: FIVE_MINUTES,
      });
    const latencyP99 = submitLatency('p99');
    const relayBehindMs = Math.min(300, Math.floor(props.claimSeconds / 2)) * 1000;
    const oldestReservation = business(METRIC.oldestReservationAgeSeconds, 'Maximum');
    // Every message is new: a retry is a new message with a delay of at most 15 minutes, so an old one is not being consumed.
    const oldestWebhook = props.webhooks.queue.metricApproximateAgeOfOldestMessage({ period: ONE_MINUTE, statistic: 'Maximum' });
    const failingEndpoints = business(METRIC.webhookFailingEndpointAttempts);

    this.alarms = [
      alarm('ServerErrorRateAlarm', 'more than 1% of API requests answered 5xx for 10 minutes', {
        metric: serverErrorRate,
        threshold: 0.01,
        evaluationPeriods: 2,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      alarm('LatencyP99Alarm', 'job submission p99 latency above 1 s for 15 minutes', {
        metric: latencyP99,
        threshold: 1000,
        evaluationPeriods: 3,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      ...Object.entries(props.apiFunctions).map(([name, fn]) =>
        alarm(`ThrottlesAlarm-${name}`, `the ${name} Lambda was throttled in two of the last three 5-minute periods`, {
          metric: fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
          threshold: 1,
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      ),
      alarm('OldestReservationAlarm', 'a reservation has outlived every job window, or the sweeper stopped reporting', {
        metric: oldestReservation,
        threshold: props.maxReservationAgeSeconds,
        evaluationPeriods: 5,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        // The sweeper reports every minute, 0 when nothing is open: silence means it is not running.
        treatMissingData: TreatMissingData.BREACHING,
      }),
      alarm('SweeperFailuresAlarm', 'the deadline sweeper failed in two of the last three runs', {
        metric: props.sweeper.metricErrors({ period: ONE_MINUTE, statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      alarm('RelayBehindAlarm', `the command relay is more than ${relayBehindMs / 1000} s behind the table stream`, {
        metric: props.relay.metric('IteratorAge', { period: ONE_MINUTE, statistic: 'Maximum' }),
        threshold: relayBehindMs,
        evaluationPeriods: 5,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      alarm('WebhookDeliveryBehindAlarm', 'a webhook event has waited more than 30 minutes for its delivery attempt', {
        metric: oldestWebhook,
        threshold: 1800,
        evaluationPeriods: 5,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      alarm('WebhookEndpointsFailingAlarm', 'at least 5 webhook attempts per 15 minutes for 30 minutes failed on failing endpoints', {
        metric: failingEndpoints.with({ period: Duration.minutes(15) }),
        threshold: 5,
        evaluationPeriods: 2,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    ];

    const notify = new SnsAction(this.alarmTopic);
    for (const each of [...this.alarms, props.deadLetterAlarm]) each.addAlarmAction(notify);

    const dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `${stackName}-control-plane`, defaultInterval: Duration.hours(3) });
    const graph = (title: string, left: IMetric[], right: IMetric[] = []) => new GraphWidget({ title, left, right, width: 12, height: 6 });
    dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms, props.deadLetterAlarm], width: 24, height: 3 }));
    dashboard.addWidgets(
      graph('API requests and 5xx rate', [requests], [serverErrorRate]),
      graph('Job submission latency (ms)', [submitLatency('p50'), latencyP99]),
    );
    dashboard.addWidgets(
      graph(
        'Jobs',
        [METRIC.jobsQueued, METRIC.jobsCompleted, METRIC.jobsFailed, METRIC.jobsExpired, METRIC.jobsCancelled].map((name) =>
          business(name),
        ),
      ),
      graph('Reservation conflicts and refusals', [business(METRIC.reservationConflicts), business(METRIC.insufficientBalance)]),
    );
    // Why DynamoDB cancelled transactions: a lost race on a condition is normal optimistic locking;
    // TransactionConflict means two transactions in flight touched one item (a hot key); throttling, capacity.
    dashboard.addWidgets(
      graph(TRANSACTIONS_CANCELLED_TITLE, [
        business(METRIC.transactionsCancelledCondition),
        business(METRIC.transactionsCancelledConflict),
        business(METRIC.transactionsCancelledThrottled),
      ]),
    );
    dashboard.addWidgets(
      graph('Ciphertext sizes (bytes)', [
        business(METRIC.requestCiphertextBytes, 'Average'),
        business(METRIC.requestCiphertextBytes, 'Maximum'),
        business(METRIC.responseCiphertextBytes, 'Average'),
        business(METRIC.responseCiphertextBytes, 'Maximum'),
      ]),
      graph(
        'Oldest reservation (s) and dead letters',
        [oldestReservation],
        [props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE })],
      ),
    );
    dashboard.addWidgets(
      graph(
        'Webhooks: attempts (delivered, failed, on failing endpoints) and oldest undelivered (s)',
        [business(METRIC.webhooksDelivered), business(METRIC.webhookAttemptsFailed), failingEndpoints],
        [oldestWebhook],
      ),
    );
    const lambdas = {
      ...props.apiFunctions,
      'webhook-events': props.webhooks.events,
      'webhook-delivery': props.webhooks.delivery,
      'command-relay': props.relay,
      'deadline-sweeper': props.sweeper,
      'dead-letters': props.deadLetterConsumer,
    };
    const perLambda = (metric: (fn: IFunction, label: string) => IMetric) => Object.entries(lambdas).map(([name, fn]) => metric(fn, name));
    dashboard.addWidgets(
      graph(
        'Lambda errors',
        perLambda((fn, label) => fn.metricErrors({ period: FIVE_MINUTES, label })),
      ),
      graph(
        'Lambda p99 duration (ms)',
        perLambda((fn, label) => fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99', label })),
      ),
    );
    dashboard.addWidgets(
      graph(
        'Lambda throttles',
        perLambda((fn, label) => fn.metricThrottles({ period: FIVE_MINUTES, label })),
      ),
      graph('Command relay iterator age (ms)', [props.relay.metric('IteratorAge', { period: ONE_MINUTE, statistic: 'Maximum' })]),
    );
  }
}

export { ControlPlaneMonitoring, TRANSACTIONS_CANCELLED_TITLE };
