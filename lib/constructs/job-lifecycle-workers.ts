/**
 * The workers that make every job end: the command relay (the outbox behind the job path), the
 * deadline sweeper, and the dead-letter consumer with its alarm. Each is a control-plane Lambda
 * fed by one event source; the stack grants them the table and queues they touch.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { FilterCriteria, FilterRule, type IFunction, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ControlPlaneFunction } from './control-plane-function.js';

interface WorkerProps {
  environment: Record<string, string>;
  protectData: boolean;
}

/**
 * Sends each new job's command from the table's stream. Records are retried (the sends are
 * idempotent) until they are as old as the claim window: after that the sweeper expires the job
 * and releases its reservation, so retrying longer would be pointless.
 */
class CommandRelay extends Construct {
  readonly fn: IFunction;

  constructor(scope: Construct, id: string, props: WorkerProps & { table: Table; claimSeconds: number }) {
    super(scope, id);
    this.fn = new ControlPlaneFunction(this, 'Function', { name: 'command-relay', ...props, timeoutSeconds: 30 }).fn;
    this.fn.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 25,
        bisectBatchOnError: true,
        retryAttempts: 100,
        // Past the claim window the sweeper ends the job; streams keep records 24 hours at most.
        maxRecordAge: Duration.seconds(Math.min(Math.max(60, props.claimSeconds), 86_400)),
        filters: [
          FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT'), dynamodb: { Keys: { sk: { S: FilterRule.isEqual('JOB') } } } }),
        ],
      }),
    );
    Validations.of(this.fn.role ?? this.fn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'dynamodb:ListStreams, which the stream event source needs, has no resource-level permissions.',
    });
  }
}

/** Expires overdue jobs every minute; runs that overlap are safe (each expiry is conditional). */
class DeadlineSweeper extends Construct {
  readonly fn: IFunction;

  constructor(scope: Construct, id: string, props: WorkerProps) {
    super(scope, id);
    const { fn } = new ControlPlaneFunction(this, 'Function', { name: 'deadline-sweeper', ...props, timeoutSeconds: 60 });
    // The next scheduled run is the retry: a failed run is not run again by Lambda.
    fn.configureAsyncInvoke({ retryAttempts: 0 });
    this.fn = fn;
    new Rule(this, 'Schedule', {
      description: 'Expires B3IQ jobs past their claim or completion deadline and releases their reservations',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.fn, { retryAttempts: 0 })],
    });
  }
}

/**
 * Fails and releases the job of every command that reaches the dead-letter queue. The queue
 * empties within seconds while this works, so messages that stay five minutes mean it does not:
 * the alarm fires.
 */
class DeadLetterConsumer extends Construct {
  readonly fn: IFunction;
  readonly depthAlarm: Alarm;

  constructor(scope: Construct, id: string, props: WorkerProps & { deadLetterQueue: IQueue }) {
    super(scope, id);
    this.fn = new ControlPlaneFunction(this, 'Function', { name: 'dead-letters', ...props }).fn;
    this.fn.addEventSource(new SqsEventSource(props.deadLetterQueue, { batchSize: 10, reportBatchItemFailures: true }));
    this.depthAlarm = new Alarm(this, 'DepthAlarm', {
      alarmDescription: `${Stack.of(this).stackName}: commands wait in the dead-letter queue; the dead-letter consumer is failing (see README, Alarms)`,
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 5,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}

export { CommandRelay, DeadLetterConsumer, DeadlineSweeper };
