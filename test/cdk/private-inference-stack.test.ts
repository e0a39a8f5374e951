/**
 * The synthesized control-plane stack: table, keys, dead-letter queue, functions and the REST API.
 * Each configuration is synthesized once, in `beforeAll`. The job-lifecycle workers' event sources,
 * schedule and alarm are in job-lifecycle-workers.test.ts.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../lambdas/http/routes.js';
import type { StageConfig } from '../../lib/config.js';
import {
  apiMethods,
  buildStack,
  removeAssemblies,
  render,
  resourceByPrefix,
  resourcesOfType,
  SYNTH_TIMEOUT_MS,
  templateJson,
} from './support/synth.js';

type Stage = 'dev' | 'prod';
const built: Partial<Record<Stage, { template: Template; config: StageConfig }>> = {};

function stage(name: Stage): { template: Template; config: StageConfig } {
  const found = built[name];
  if (found === undefined) throw new Error(`stage ${name} was not synthesized`);
  return found;
}

beforeAll(() => {
  for (const name of ['dev', 'prod'] as const) {
    const { stack, config } = buildStack({ stage: name });
    built[name] = { template: Template.fromStack(stack), config };
  }
}, SYNTH_TIMEOUT_MS);
afterAll(removeAssemblies);

/** The functions behind the REST API. */
const API_FUNCTIONS = [
  { case: 'customer-jobs', prefix: 'CustomerJobsFunction' },
  { case: 'customer-reads', prefix: 'CustomerReadsFunction' },
  { case: 'admin', prefix: 'AdminFunction' },
  { case: 'node-api', prefix: 'NodeApiFunction' },
] as const;

/** The workers that make every job end; no route reaches them. */
const WORKER_FUNCTIONS = [
  { case: 'command-relay', prefix: 'CommandRelayFunction' },
  { case: 'deadline-sweeper', prefix: 'DeadlineSweeperFunction' },
  { case: 'dead-letters', prefix: 'DeadLetterConsumerFunction' },
  { case: 'webhook-events', prefix: 'WebhooksEventsFunction' },
  { case: 'webhook-delivery', prefix: 'WebhooksDeliveryFunction' },
] as const;

const FUNCTIONS = [...API_FUNCTIONS, ...WORKER_FUNCTIONS] as const;

const functionPrefix = Object.fromEntries(API_FUNCTIONS.map((fn) => [fn.case, fn.prefix])) as Record<
  (typeof API_FUNCTIONS)[number]['case'],
  string
>;

function logicalId(template: Template, type: string, prefix: string): string {
  return resourceByPrefix(template, type, prefix)[0];
}

function dataKeyId(template: Template): string {
  return logicalId(template, 'AWS::KMS::Key', 'DataKey');
}

describe('DynamoDB table', () => {
  it('is on-demand with string pk/sk keys and point-in-time recovery', () => {
    stage('prod').template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayEquals([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'open_shard', AttributeType: 'S' },
        { AttributeName: 'due_at', AttributeType: 'S' },
        { AttributeName: 'customer_id', AttributeType: 'S' },
        { AttributeName: 'job_order', AttributeType: 'S' },
        { AttributeName: 'active_nodes', AttributeType: 'S' },
        { AttributeName: 'node_id', AttributeType: 'S' },
      ]),
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    stage('prod').template.resourceCountIs('AWS::DynamoDB::Table', 1);
  });

  it.each(['dev', 'prod'] as const)('expires items on the expires_at attribute, the node request nonces (stage %s)', (name) => {
    const [, table] = resourceByPrefix(stage(name).template, 'AWS::DynamoDB::Table', 'ControlPlaneTable');
    expect(table.Properties?.TimeToLiveSpecification).toEqual({ AttributeName: 'expires_at', Enabled: true });
  });

  it('is encrypted with the stack data key, a symmetric key with rotation', () => {
    const { template } = stage('prod');
    const key = dataKeyId(template);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } },
    });
    const [, keyResource] = resourceByPrefix(template, 'AWS::KMS::Key', 'DataKey');
    expect(keyResource.Properties).toMatchObject({ EnableKeyRotation: true });
    expect(keyResource.Properties?.KeySpec ?? 'SYMMETRIC_DEFAULT').toBe('SYMMETRIC_DEFAULT');
    expect(keyResource.Properties?.KeyUsage ?? 'ENCRYPT_DECRYPT').toBe('ENCRYPT_DECRYPT');
  });

  it.each([
    { case: 'prod', deletionProtection: true, policy: 'Retain' },
    { case: 'dev', deletionProtection: false, policy: 'Delete' },
  ] as const)(
    'has deletion protection $deletionProtection and removal policy $policy for stage $case',
    ({ case: name, deletionProtection, policy }) => {
      stage(name).template.hasResource('AWS::DynamoDB::Table', {
        Properties: Match.objectLike({ DeletionProtectionEnabled: deletionProtection }),
        DeletionPolicy: policy,
        UpdateReplacePolicy: policy,
      });
    },
  );
});

describe('data retention', () => {
  const RETAINED = [
    { case: 'data key', type: 'AWS::KMS::Key', prefix: 'DataKey' },
    { case: 'signing key', type: 'AWS::KMS::Key', prefix: 'NodeKeySigningKey' },
    { case: 'table', type: 'AWS::DynamoDB::Table', prefix: 'ControlPlaneTable' },
    { case: 'dead-letter queue', type: 'AWS::SQS::Queue', prefix: 'NodeCommandQueuesDeadLetterQueue' },
    ...FUNCTIONS.map((fn) => ({ case: `${fn.case} log group`, type: 'AWS::Logs::LogGroup', prefix: `${fn.prefix}Logs` })),
    { case: 'API access log group', type: 'AWS::Logs::LogGroup', prefix: 'ControlPlaneApiAccessLogs' },
  ] as const;

  it.each(RETAINED)('retains the $case in prod and deletes it in dev', ({ type, prefix }) => {
    const policies = (name: Stage) => {
      const [, resource] = resourceByPrefix(stage(name).template, type, prefix);
      return [resource.DeletionPolicy, resource.UpdateReplacePolicy];
    };
    expect(policies('prod')).toEqual(['Retain', 'Retain']);
    expect(policies('dev')).toEqual(['Delete', 'Delete']);
  });
});

describe('KMS signing key', () => {
  it('is an ECC_NIST_P256 SIGN_VERIFY key without rotation', () => {
    const [, key] = resourceByPrefix(stage('prod').template, 'AWS::KMS::Key', 'NodeKeySigningKey');
    expect(key.Properties).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    // Asymmetric keys cannot rotate; asking for it fails the deployment.
    expect(key.Properties?.EnableKeyRotation).not.toBe(true);
  });

  it('lets only the account root in through its key policy', () => {
    const [, key] = resourceByPrefix(stage('prod').template, 'AWS::KMS::Key', 'NodeKeySigningKey');
    const statements = (key.Properties?.KeyPolicy as { Statement: { Principal: unknown }[] }).Statement;
    expect(statements.map((statement) => render((statement.Principal as { AWS: unknown }).AWS))).toEqual([
      // A literal partition: the region is known and cdk.json enables @aws-cdk/core:enablePartitionLiterals.
      'arn:aws:iam::111111111111:root',
    ]);
  });

  it('is the only asymmetric key, next to the symmetric data key', () => {
    const specs = resourcesOfType(stage('prod').template, 'AWS::KMS::Key').map(([, key]) => key.Properties?.KeySpec ?? 'SYMMETRIC_DEFAULT');
    expect(specs.sort()).toEqual(['ECC_NIST_P256', 'SYMMETRIC_DEFAULT']);
  });
});

describe('dead-letter queue', () => {
  it('is the only queue in the stack beside the webhook delivery queue and its dead-letter queue: node queues are created at enrollment', () => {
    stage('prod').template.resourceCountIs('AWS::SQS::Queue', 3);
  });

  it('is FIFO and encrypted with the data key', () => {
    const { template } = stage('prod');
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      KmsMasterKeyId: { 'Fn::GetAtt': [dataKeyId(template), 'Arn'] },
      QueueName: Match.stringLikeRegexp('\\.fifo$'),
    });
  });

  it('has a queue policy that denies every request without TLS', () => {
    const { template } = stage('prod');
    const queue = logicalId(template, 'AWS::SQS::Queue', 'NodeCommandQueuesDeadLetterQueue');
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queue }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'sqs:*',
            Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ]),
      },
    });
  });

  it.each(['dev', 'prod'] as const)('is named outside the node queue prefix (stage %s)', (name) => {
    const { template, config } = stage(name);
    const [, queue] = resourceByPrefix(template, 'AWS::SQS::Queue', 'NodeCommandQueuesDeadLetterQueue');
    const queueName = queue.Properties?.QueueName;
    expect(queueName).toBe(`b3iq-${name}-dead-letters.fifo`);
    expect(String(queueName).startsWith(config.nodeQueuePrefix)).toBe(false);
  });
});

describe('Lambda functions', () => {
  it('are exactly the four API functions and the five workers', () => {
    const ids = resourcesOfType(stage('prod').template, 'AWS::Lambda::Function').map(([id]) => id);
    expect(ids).toHaveLength(9);
    for (const { prefix } of FUNCTIONS) expect(ids.filter((id) => id.startsWith(prefix))).toHaveLength(1);
  });

  it.each(FUNCTIONS)('$case runs Node.js 24 on arm64', ({ prefix }) => {
    const [, fn] = resourceByPrefix(stage('prod').template, 'AWS::Lambda::Function', prefix);
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler' });
  });

  it.each(FUNCTIONS)('$case logs to its own log group with a retention period', ({ prefix }) => {
    const { template } = stage('prod');
    const [, fn] = resourceByPrefix(template, 'AWS::Lambda::Function', prefix);
    const logGroupRef = (fn.Properties?.LoggingConfig as { LogGroup?: { Ref?: string } } | undefined)?.LogGroup?.Ref;
    expect(logGroupRef).toBe(logicalId(template, 'AWS::Logs::LogGroup', `${prefix}Logs`));
    const logGroup = templateJson(template).Resources[logGroupRef!]!;
    expect(logGroup.Properties?.RetentionInDays).toEqual(expect.any(Number));
    const otherFunctionsLogGroups = FUNCTIONS.filter((other) => other.prefix !== prefix).map((other) => {
      const [, otherFn] = resourceByPrefix(template, 'AWS::Lambda::Function', other.prefix);
      return (otherFn.Properties?.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    });
    expect(otherFunctionsLogGroups).not.toContain(logGroupRef);
  });

  /** Seconds: the default; the node API's, which long-polls its queue for up to 20 s; the relay's and the sweeper's. */
  const TIMEOUTS = {
    'customer-jobs': 10,
    'customer-reads': 10,
    admin: 10,
    'node-api': 28,
    'command-relay': 30,
    'deadline-sweeper': 60,
    'dead-letters': 10,
    'webhook-events': 30,
    'webhook-delivery': 30,
  } as const;

  it.each(WORKER_FUNCTIONS)('$case has its timeout and is reached by no API method', ({ case: name, prefix }) => {
    const { template } = stage('prod');
    const [id, fn] = resourceByPrefix(template, 'AWS::Lambda::Function', prefix);
    expect(fn.Properties?.Timeout).toBe(TIMEOUTS[name]);
    const integrations = resourcesOfType(template, 'AWS::ApiGateway::Method').filter(([, method]) =>
      render((method.Properties?.Integration as { Uri: unknown }).Uri).includes(`\${${id}.Arn}`),
    );
    expect(integrations).toEqual([]);
  });

  it.each(API_FUNCTIONS)('$case has its timeout, under the 29 s API Gateway integration timeout', ({ case: name, prefix }) => {
    const { template } = stage('prod');
    const [id, fn] = resourceByPrefix(template, 'AWS::Lambda::Function', prefix);
    expect(fn.Properties?.Timeout).toBe(TIMEOUTS[name]);
    const integrations = resourcesOfType(template, 'AWS::ApiGateway::Method')
      .map(([, method]) => method.Properties?.Integration as { Uri: unknown; TimeoutInMillis?: number })
      .filter((integration) => render(integration.Uri).includes(`\${${id}.Arn}`));
    expect(integrations.length).toBeGreaterThan(0);
    for (const integration of integrations) expect(TIMEOUTS[name] * 1000).toBeLessThan(integration.TimeoutInMillis ?? 29_000);
  });

  /** What each function's code reads (lambdas/services/control-plane.ts), and where the value comes from. */
  function expectedEnvironment(template: Template, config: StageConfig) {
    const shared = {
      TABLE_NAME: { Ref: logicalId(template, 'AWS::DynamoDB::Table', 'ControlPlaneTable') },
      NODE_KEY_SIGNING_KEY_ARN: { 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key', 'NodeKeySigningKey'), 'Arn'] },
      POLICY_VERSION: config.policyVersion,
      PROTOCOL_FEE_BPS: String(config.protocolFeeBps),
      CUSTOMER_RATE_LIMIT_PER_SECOND: String(config.customerRateLimit.perSecond),
      CUSTOMER_RATE_LIMIT_BURST: String(config.customerRateLimit.burst),
      FAILED_CREDENTIALS_RATE_LIMIT_PER_SECOND: String(config.failedCredentialsRateLimit.perSecond),
      FAILED_CREDENTIALS_RATE_LIMIT_BURST: String(config.failedCredentialsRateLimit.burst),
      JOB_CLAIM_SECONDS: String(config.jobWindows.claimSeconds),
      JOB_COMPLETION_SECONDS: String(config.jobWindows.completionSeconds),
      ENVELOPE_RETENTION_SECONDS: String(config.jobWindows.envelopeRetentionSeconds),
      // The `service` of every log line and business metric (Powertools), and the dimension the alarms read.
      POWERTOOLS_SERVICE_NAME: `b3iq-${config.stage}`,
    };
    const queues = {
      NODE_QUEUE_PREFIX: config.nodeQueuePrefix,
      DEAD_LETTER_QUEUE_ARN: { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'NodeCommandQueuesDeadLetterQueue'), 'Arn'] },
      DATA_KEY_ARN: { 'Fn::GetAtt': [dataKeyId(template), 'Arn'] },
    };
    const webhookQueueUrl = { Ref: logicalId(template, 'AWS::SQS::Queue', 'WebhooksQueue') };
    const webhooks = { ...shared, WEBHOOK_LOCAL_HTTP: 'false', WEBHOOK_QUEUE_URL: webhookQueueUrl };
    return {
      'customer-jobs': { ...shared, ...queues, WEBHOOK_LOCAL_HTTP: 'false' },
      'customer-reads': shared,
      admin: {
        ...shared,
        ...queues,
        ADMIN_AUTH: config.adminAuth,
        ...(config.adminAuth === 'token'
          ? { ADMIN_TOKEN_SECRET_ARN: { Ref: logicalId(template, 'AWS::SecretsManager::Secret', 'AdminToken') } }
          : {}),
      },
      'node-api': { ...shared, ...queues },
      'command-relay': { ...shared, ...queues },
      'deadline-sweeper': shared,
      'dead-letters': shared,
      'webhook-events': webhooks,
      'webhook-delivery': webhooks,
    };
  }

  it.each(FUNCTIONS)('$case gets exactly the environment its code reads, from the right resources', ({ case: name, prefix }) => {
    const { template, config } = stage('prod');
    const [, fn] = resourceByPrefix(template, 'AWS::Lambda::Function', prefix);
    expect((fn.Properties?.Environment as { Variables: unknown }).Variables).toEqual(expectedEnvironment(template, config)[name]);
    expect((fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables.POWERTOOLS_SERVICE_NAME).toBe('b3iq-prod');
  });

  let customWindows: Template | undefined;
  /** One stack with job windows and the failed-credential limit from context, synthesized when first needed. */
  const withCustomWindows = () =>
    (customWindows ??= Template.fromStack(
      buildStack({
        stage: 'dev',
        jobClaimSeconds: '120',
        jobCompletionSeconds: '600',
        envelopeRetentionSeconds: '86400',
        failedCredentialsRateLimitPerSecond: '3',
        failedCredentialsRateLimitBurst: '7',
      }).stack,
    ));

  it.each(FUNCTIONS)(
    '$case gets the job windows of -c jobClaimSeconds, jobCompletionSeconds and envelopeRetentionSeconds',
    ({ prefix }) => {
      const [, fn] = resourceByPrefix(withCustomWindows(), 'AWS::Lambda::Function', prefix);
      expect((fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        JOB_CLAIM_SECONDS: '120',
        JOB_COMPLETION_SECONDS: '600',
        ENVELOPE_RETENTION_SECONDS: '86400',
      });
    },
  );

  it.each(FUNCTIONS)(
    '$case gets the failed-credential limit of -c failedCredentialsRateLimitPerSecond and failedCredentialsRateLimitBurst',
    ({ prefix }) => {
      const [, fn] = resourceByPrefix(withCustomWindows(), 'AWS::Lambda::Function', prefix);
      expect((fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        FAILED_CREDENTIALS_RATE_LIMIT_PER_SECOND: '3',
        FAILED_CREDENTIALS_RATE_LIMIT_BURST: '7',
      });
    },
  );
});

describe('REST API', () => {
  function invokes(template: Template, fn: keyof typeof functionPrefix): string {
    return `/functions/\${${logicalId(template, 'AWS::Lambda::Function', functionPrefix[fn])}.Arn}/invocations`;
  }

  it.each(API_ROUTES.map((route) => ({ case: `${route.method} ${route.path}`, ...route })))(
    'routes $case to $function through a Lambda proxy integration',
    (route) => {
      const { template } = stage('prod');
      const found = apiMethods(template).filter((method) => method.path === route.path && method.httpMethod === route.method);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ integrationType: 'AWS_PROXY' });
      expect(found[0]!.integrationUri).toContain(invokes(template, route.function));
    },
  );

  it('routes to every API function, and to no other', () => {
    const routed = [...new Set(API_ROUTES.map((route) => route.function as string))].sort();
    expect(routed).toEqual(API_FUNCTIONS.map((fn) => fn.case as string).sort());
  });

  it.each([
    { case: 'POST /v1/private-inference/jobs/{job_id}/cancel', fn: 'customer-jobs' },
    { case: 'POST /v1/admin/reservations/release-stale', fn: 'admin' },
  ] as const)('has the issue-5 route $case, served by $fn', ({ case: key, fn }) => {
    const [method, path] = key.split(' ');
    expect(API_ROUTES.filter((route) => route.method === method && route.path === path).map((route) => route.function)).toEqual([fn]);
  });

  it('answers ANY other method on every route path, the root and unknown paths with customer-reads', () => {
    const { template } = stage('prod');
    const anyPaths = apiMethods(template)
      .filter((method) => method.httpMethod === 'ANY')
      .map((method) => {
        expect(method.integrationUri).toContain(invokes(template, 'customer-reads'));
        return method.path;
      });
    // With IAM on the admin API (prod's default), unknown admin paths have their own signed catch-all.
    const expected = [...new Set(API_ROUTES.map((route) => route.path as string)), '/', '/{proxy+}', '/v1/admin/{proxy+}'];
    expect(anyPaths.sort()).toEqual(expected.sort());
  });

  it('has no methods beyond the routes and their ANY fallbacks', () => {
    const { template } = stage('prod');
    const paths = new Set(API_ROUTES.map((route) => route.path));
    template.resourceCountIs('AWS::ApiGateway::Method', API_ROUTES.length + paths.size + 3);
    template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
  });

  it.each(['dev', 'prod'] as const)('stage %s throttles, logs access and never traces data', (name) => {
    const { template, config } = stage(name);
    const accessLogs = logicalId(template, 'AWS::Logs::LogGroup', 'ControlPlaneApiAccessLogs');
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: name,
      // The log group ARN without `:*` (@aws-cdk/aws-apigateway:logGroupDestinationArnWithoutWildcard).
      AccessLogSetting: {
        DestinationArn: { 'Fn::Join': ['', ['arn:aws:logs:eu-west-1:111111111111:log-group:', { Ref: accessLogs }]] },
        Format: Match.anyValue(),
      },
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: config.apiThrottle.rateLimit,
          ThrottlingBurstLimit: config.apiThrottle.burstLimit,
          DataTraceEnabled: false,
        }),
      ]),
    });
    expect(config.apiThrottle).toEqual({ rateLimit: 1000, burstLimit: 2000 });
    const [, apiStage] = resourcesOfType(template, 'AWS::ApiGateway::Stage')[0]!;
    for (const settings of apiStage.Properties?.MethodSettings as { DataTraceEnabled?: boolean }[]) {
      expect(settings.DataTraceEnabled).toBe(false);
    }
    expect(resourcesOfType(template, 'AWS::ApiGateway::Stage')).toHaveLength(1);
  });

  it('access logs never include request or response bodies or headers', () => {
    const [, apiStage] = resourcesOfType(stage('prod').template, 'AWS::ApiGateway::Stage')[0]!;
    const format = String((apiStage.Properties?.AccessLogSetting as { Format: unknown }).Format);
    expect(() => JSON.parse(format) as unknown).not.toThrow();
    expect(format).not.toMatch(/\$context\.(requestOverride|responseOverride)|\$input|header/i);
  });

  it('takes its throttle from -c apiRateLimit and -c apiBurstLimit', () => {
    const { stack } = buildStack({ stage: 'dev', apiRateLimit: '7', apiBurstLimit: '9' });
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: 7, ThrottlingBurstLimit: 9 })]),
    });
  });

  const GATEWAY_PROBLEMS = [
    { case: 'MISSING_AUTHENTICATION_TOKEN', status: 404, code: 'not_found', title: 'Not found' },
    { case: 'RESOURCE_NOT_FOUND', status: 404, code: 'not_found', title: 'Not found' },
    { case: 'THROTTLED', status: 429, code: 'rate_limited', title: 'Rate limited' },
    { case: 'QUOTA_EXCEEDED', status: 429, code: 'rate_limited', title: 'Rate limited' },
    { case: 'REQUEST_TOO_LARGE', status: 413, code: 'payload_too_large', title: 'Payload too large' },
    { case: 'UNSUPPORTED_MEDIA_TYPE', status: 415, code: 'unsupported_media_type', title: 'Unsupported media type' },
    { case: 'DEFAULT_5XX', status: 500, code: 'internal_error', title: 'Internal error' },
  ] as const;

  // The token-authorized stage: with IAM on the admin API some refusals differ (admin-auth.test.ts).
  it.each(GATEWAY_PROBLEMS)('answers $case with a $status B3IQ problem ($code)', ({ case: type, status, code, title }) => {
    const found = resourcesOfType(stage('dev').template, 'AWS::ApiGateway::GatewayResponse').filter(
      ([, response]) => response.Properties?.ResponseType === type,
    );
    expect(found).toHaveLength(1);
    const properties = found[0]![1].Properties!;
    expect(properties.StatusCode).toBe(String(status));
    expect(properties.ResponseParameters).toEqual({ 'gatewayresponse.header.Content-Type': "'application/json'" });
    const body = JSON.parse((properties.ResponseTemplates as Record<string, string>)['application/json']!) as unknown;
    expect(body).toEqual({ error: { status, title, detail: expect.any(String), code } });
    expect(Object.keys((body as { error: object }).error).sort()).toEqual(['code', 'detail', 'status', 'title']);
  });

  it('has no gateway responses beyond the B3IQ problems', () => {
    stage('dev').template.resourceCountIs('AWS::ApiGateway::GatewayResponse', GATEWAY_PROBLEMS.length);
  });
});

describe('outputs', () => {
  it.each(['dev', 'prod'] as const)('name the API, stage, table and admin token secret (stage %s)', (name) => {
    const { template } = stage(name);
    const outputs = templateJson(template).Outputs ?? {};
    const apiId = logicalId(template, 'AWS::ApiGateway::RestApi', 'ControlPlaneApi');
    expect(render(outputs.ApiUrl?.Value)).toBe(`https://\${${apiId}}.execute-api.eu-west-1.\${AWS::URLSuffix}/${name}`);
    expect(outputs.RestApiId?.Value).toEqual({ Ref: apiId });
    expect(outputs.StageName?.Value).toBe(name);
    expect(outputs.TableName?.Value).toEqual({ Ref: logicalId(template, 'AWS::DynamoDB::Table', 'ControlPlaneTable') });
    if (name === 'dev') {
      expect(outputs.AdminTokenSecretArn?.Value).toEqual({ Ref: logicalId(template, 'AWS::SecretsManager::Secret', 'AdminToken') });
    } else {
      // IAM on the admin API: no admin token, and the operators' invoke policy instead.
      expect(outputs.AdminTokenSecretArn).toBeUndefined();
      expect(outputs.AdminInvokePolicyArn?.Value).toEqual({
        Ref: logicalId(template, 'AWS::IAM::ManagedPolicy', 'ControlPlaneApiAdminInvokePolicy'),
      });
    }
  });
});
