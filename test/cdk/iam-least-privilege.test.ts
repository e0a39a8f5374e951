/**
 * Least privilege: every IAM statement of the stack, attributed to the role it is attached to.
 * Roles are found through the function that assumes them (logical id prefixes CustomerJobsFunction,
 * CustomerReadsFunction, AdminFunction, NodeApiFunction, and the workers CommandRelayFunction,
 * DeadlineSweeperFunction, DeadLetterConsumerFunction).
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { actionCovers, asList, render, resourceByPrefix, resourcesOfType, synthesizeOnce } from './support/synth.js';

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
}

interface Grant {
  /** Logical ids of the roles the statement applies to. */
  roles: string[];
  source: string;
  statement: Statement;
}

/** `scope`: how a node queue ARN starts; the partition is a literal where the region is known (enablePartitionLiterals). */
const CONFIGURATIONS = [
  { case: 'dev', context: { stage: 'dev' }, env: undefined, scope: 'arn:aws:sqs:eu-west-1:111111111111' },
  { case: 'prod', context: { stage: 'prod' }, env: undefined, scope: 'arn:aws:sqs:eu-west-1:111111111111' },
  {
    case: 'dev, environment-agnostic',
    context: { stage: 'dev' },
    env: 'agnostic',
    scope: 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}',
  },
] as const;

type Case = (typeof CONFIGURATIONS)[number]['case'];
const synthesized = synthesizeOnce(CONFIGURATIONS);

/** Every statement of every identity policy: AWS::IAM::Policy, managed policies and inline role policies. */
function grants(template: Template): Grant[] {
  const found: Grant[] = [];
  for (const [id, policy] of resourcesOfType(template, 'AWS::IAM::Policy')) {
    const roles = asList(policy.Properties?.Roles as unknown[]).map((role) => render(role).replace(/^\$\{(.*)\}$/, '$1'));
    for (const statement of (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement) {
      found.push({ roles, source: id, statement });
    }
  }
  for (const [id, policy] of resourcesOfType(template, 'AWS::IAM::ManagedPolicy')) {
    const roles = asList(policy.Properties?.Roles as unknown[]).map((role) => render(role).replace(/^\$\{(.*)\}$/, '$1'));
    for (const statement of (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement) {
      found.push({ roles, source: id, statement });
    }
  }
  for (const [id, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
    for (const inline of asList(role.Properties?.Policies as { PolicyDocument: { Statement: Statement[] } }[])) {
      for (const statement of inline.PolicyDocument.Statement) found.push({ roles: [id], source: id, statement });
    }
  }
  return found;
}

const allows = (grant: Grant, action: string) =>
  grant.statement.Effect === 'Allow' && asList(grant.statement.Action).some((pattern) => actionCovers(pattern, action));

/** Logical ids of the roles granted `action`, on any resource. */
function rolesAllowed(template: Template, action: string): string[] {
  return [
    ...new Set(
      grants(template)
        .filter((grant) => allows(grant, action))
        .flatMap((grant) => grant.roles),
    ),
  ].sort();
}

const FUNCTION_PREFIXES = {
  customerJobs: 'CustomerJobsFunction',
  customerReads: 'CustomerReadsFunction',
  admin: 'AdminFunction',
  nodeApi: 'NodeApiFunction',
  commandRelay: 'CommandRelayFunction',
  deadlineSweeper: 'DeadlineSweeperFunction',
  deadLetters: 'DeadLetterConsumerFunction',
  webhookEvents: 'WebhooksEventsFunction',
  webhookDelivery: 'WebhooksDeliveryFunction',
} as const;

/** The stream consumers: each event source mapping adds dynamodb:ListStreams on "*". */
const STREAM_CONSUMERS: Fn[] = ['commandRelay', 'webhookEvents'];

/** The webhook workers, which reach only the webhook delivery queue. */
const WEBHOOK_WORKERS: Fn[] = ['webhookEvents', 'webhookDelivery'];

type Fn = keyof typeof FUNCTION_PREFIXES;
const ALL_FUNCTIONS = Object.keys(FUNCTION_PREFIXES) as Fn[];

/**
 * What active tracing (Tracing.ACTIVE) grants every function role, on "*": these X-Ray actions have no
 * resource-level permissions. The relay's stream event source adds dynamodb:ListStreams, which has none either.
 */
const X_RAY_ACTIONS = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

/** The dead-letter queue's ARN as rendered in a statement. */
function deadLetterQueueArn(template: Template): string {
  return `\${${resourceByPrefix(template, 'AWS::SQS::Queue', 'NodeCommandQueuesDeadLetterQueue')[0]}.Arn}`;
}

function scopeOf(name: Case): string {
  return CONFIGURATIONS.find((c) => c.case === name)!.scope;
}

/** The role a function runs as, read from the function's Role attribute. */
function roleOf(template: Template, fn: Fn): string {
  const [, resource] = resourceByPrefix(template, 'AWS::Lambda::Function', FUNCTION_PREFIXES[fn]);
  const role = render(resource.Properties?.Role);
  const match = /^\$\{(.+)\.Arn\}$/.exec(role);
  if (match === null) throw new Error(`function ${fn} has role ${role}, not a role of this stack`);
  return match[1]!;
}

function roleGrants(template: Template, fn: Fn): Grant[] {
  const role = roleOf(template, fn);
  return grants(template).filter((grant) => grant.roles.includes(role));
}

describe.each(CONFIGURATIONS.map(({ case: name }) => ({ case: name })))('IAM ($case)', ({ case: name }) => {
  it('gives each function its own role, with no managed or inline policies beside the stack policies', () => {
    const { template } = synthesized(name);
    const roles = ALL_FUNCTIONS.map((fn) => roleOf(template, fn));
    expect(new Set(roles).size).toBe(ALL_FUNCTIONS.length);
    for (const role of roles) {
      const [, resource] = resourceByPrefix(template, 'AWS::IAM::Role', role);
      expect(resource.Properties?.ManagedPolicyArns).toBeUndefined();
      expect(resource.Properties?.Policies).toBeUndefined();
    }
  });

  it('has statements to check (the collection is not vacuous)', () => {
    const { template } = synthesized(name);
    expect(grants(template).length).toBeGreaterThan(10);
    for (const fn of ALL_FUNCTIONS) {
      expect(roleGrants(template, fn).length).toBeGreaterThan(0);
    }
  });

  it('has no statement on Resource "*" but X-Ray\'s on every function role and the relay\'s dynamodb:ListStreams, and none with NotAction or NotResource', () => {
    const { template } = synthesized(name);
    const malformed = grants(template).filter(
      (grant) =>
        grant.statement.NotAction !== undefined ||
        grant.statement.NotResource !== undefined ||
        asList(grant.statement.Resource).length === 0,
    );
    expect(malformed).toEqual([]);
    // Every action on "*", by the role it is granted to: exactly what has no resource-level permissions.
    const onEverything = new Map<string, Set<string>>();
    for (const grant of grants(template).filter((candidate) => asList(candidate.statement.Resource).some((resource) => resource === '*'))) {
      expect(grant.statement.Effect).toBe('Allow');
      for (const role of grant.roles) {
        const actions = onEverything.get(role) ?? new Set<string>();
        for (const action of asList(grant.statement.Action)) actions.add(action);
        onEverything.set(role, actions);
      }
    }
    const actual = Object.fromEntries([...onEverything].map(([role, actions]) => [role, [...actions].sort()]));
    expect(actual).toEqual(
      Object.fromEntries(
        ALL_FUNCTIONS.map((fn) => [
          roleOf(template, fn),
          STREAM_CONSUMERS.includes(fn) ? [...X_RAY_ACTIONS, 'dynamodb:ListStreams'].sort() : X_RAY_ACTIONS,
        ]),
      ),
    );
  });

  it('grants dynamodb:ListStreams to the stream consumers only (relay, webhook events), and only on "*"', () => {
    const { template } = synthesized(name);
    const listStreams = grants(template).filter((grant) => allows(grant, 'dynamodb:ListStreams'));
    expect(listStreams.flatMap((grant) => grant.roles).sort()).toEqual(STREAM_CONSUMERS.map((fn) => roleOf(template, fn)).sort());
    expect(listStreams.flatMap((grant) => asList(grant.statement.Resource))).toEqual(listStreams.map(() => '*'));
  });

  it.each(ALL_FUNCTIONS)('lets the %s role write X-Ray segments and telemetry, and nothing else of X-Ray', (fn) => {
    const { template } = synthesized(name);
    const xray = roleGrants(template, fn)
      .flatMap((grant) => asList(grant.statement.Action))
      .filter((action) => /^xray:|^\*$/i.test(action));
    expect(xray.sort()).toEqual(X_RAY_ACTIONS);
  });

  it("scopes every SQS action to the node queue prefix, but the dead-letter consumer's, which reaches only the dead-letter queue, and the webhook workers', which reach only the webhook queue", () => {
    const { template, config } = synthesized(name);
    const deadLettersRole = roleOf(template, 'deadLetters');
    const webhookRoles = WEBHOOK_WORKERS.map((fn) => roleOf(template, fn));
    const webhookQueue = `\${${resourceByPrefix(template, 'AWS::SQS::Queue', 'WebhooksQueue')[0]}.Arn}`;
    const sqsGrants = grants(template).filter((grant) =>
      asList(grant.statement.Action).some((action) => /^sqs:/i.test(action) || action === '*'),
    );
    expect(sqsGrants.length).toBeGreaterThan(0);
    for (const { roles, statement } of sqsGrants) {
      expect(asList(statement.Action).every((action) => /^sqs:[A-Za-z]+$/.test(action))).toBe(true);
      const webhook = roles.some((role) => webhookRoles.includes(role));
      const expected = webhook
        ? [webhookQueue]
        : roles.includes(deadLettersRole)
          ? [deadLetterQueueArn(template)]
          : [`${scopeOf(name)}:${config.nodeQueuePrefix}*`];
      expect(roles.includes(deadLettersRole) && roles.length > 1).toBe(false);
      expect(webhook && !roles.every((role) => webhookRoles.includes(role))).toBe(false);
      expect(asList(statement.Resource).map(render)).toEqual(expected);
    }
    expect(config.nodeQueuePrefix).toBe(`b3iq-${config.stage}-n-`);
  });

  it.each([
    { case: 'sqs:SendMessage', roles: ['customerJobs', 'commandRelay', 'webhookEvents', 'webhookDelivery'] },
    {
      case: 'sqs:GetQueueUrl',
      roles: ['customerJobs', 'admin', 'nodeApi', 'commandRelay', 'deadLetters', 'webhookEvents', 'webhookDelivery'],
    },
  ] as const)('grants $case to exactly the $roles roles', ({ case: action, roles }) => {
    const { template } = synthesized(name);
    expect(rolesAllowed(template, action)).toEqual(roles.map((fn) => roleOf(template, fn)).sort());
  });

  it('lets the relay send only to node queues: never to the dead-letter queue', () => {
    const { template, config } = synthesized(name);
    const sends = roleGrants(template, 'commandRelay').filter((grant) => allows(grant, 'sqs:SendMessage'));
    expect(sends.flatMap((grant) => asList(grant.statement.Resource).map(render))).toEqual([`${scopeOf(name)}:${config.nodeQueuePrefix}*`]);
    expect(deadLetterQueueArn(template)).not.toContain(config.nodeQueuePrefix);
  });

  it.each(['deadlineSweeper', 'deadLetters'] as const)('gives the %s role no sqs:SendMessage at all', (fn) => {
    const { template } = synthesized(name);
    expect(roleGrants(template, fn).some((grant) => allows(grant, 'sqs:SendMessage'))).toBe(false);
  });

  it('gives the deadlineSweeper role no queue access at all', () => {
    const { template } = synthesized(name);
    const sqsActions = roleGrants(template, 'deadlineSweeper')
      .flatMap((grant) => asList(grant.statement.Action))
      .filter((action) => /^sqs:|^\*$/i.test(action));
    expect(sqsActions).toEqual([]);
  });

  it.each(['commandRelay', 'deadlineSweeper', 'deadLetters'] as const)(
    'gives the %s role no signing, no signing key and no secrets',
    (fn) => {
      const { template } = synthesized(name);
      const workerGrants = roleGrants(template, fn);
      for (const action of ['kms:Sign', 'kms:GetPublicKey', 'secretsmanager:GetSecretValue', 'sqs:CreateQueue', 'sqs:SetQueueAttributes']) {
        expect(
          workerGrants.some((grant) => allows(grant, action)),
          action,
        ).toBe(false);
      }
    },
  );

  it.each([
    { case: 'sqs:CreateQueue', fn: 'admin' },
    { case: 'sqs:SetQueueAttributes', fn: 'admin' },
    { case: 'kms:Sign', fn: 'admin' },
  ] as const)('grants $case to the $fn role only', ({ case: action, fn }) => {
    const { template } = synthesized(name);
    expect(rolesAllowed(template, action)).toEqual([roleOf(template, fn)]);
  });

  it('grants secretsmanager:GetSecretValue to the admin role only, and with IAM admin authorization to no one', () => {
    const { template, config } = synthesized(name);
    expect(rolesAllowed(template, 'secretsmanager:GetSecretValue')).toEqual(
      config.adminAuth === 'token' ? [roleOf(template, 'admin')] : [],
    );
  });

  it.each(['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage'])(
    'grants %s to the nodeApi role on the node queue prefix, the deadLetters role on the dead-letter queue, the webhookDelivery role on the webhook queue, and to nobody else',
    (action) => {
      const { template, config } = synthesized(name);
      const nodeApi = roleOf(template, 'nodeApi');
      const deadLetters = roleOf(template, 'deadLetters');
      const delivery = roleOf(template, 'webhookDelivery');
      expect(rolesAllowed(template, action)).toEqual([nodeApi, deadLetters, delivery].sort());
      const resources = (role: string) =>
        grants(template)
          .filter((grant) => grant.roles.includes(role) && allows(grant, action))
          .flatMap((grant) => asList(grant.statement.Resource).map(render));
      expect(resources(nodeApi)).toEqual([`${scopeOf(name)}:${config.nodeQueuePrefix}*`]);
      expect(resources(deadLetters)).toEqual([deadLetterQueueArn(template)]);
      expect(resources(delivery)).toEqual([`\${${resourceByPrefix(template, 'AWS::SQS::Queue', 'WebhooksQueue')[0]}.Arn}`]);
    },
  );

  it('grants nobody sqs:DeleteQueue or sqs:PurgeQueue', () => {
    const { template } = synthesized(name);
    for (const action of ['sqs:DeleteQueue', 'sqs:PurgeQueue']) {
      expect(rolesAllowed(template, action), action).toEqual([]);
    }
  });

  it('grants nobody table scans, deletes, batch writes, PartiQL or table changes', () => {
    const { template } = synthesized(name);
    for (const action of [
      'dynamodb:Scan',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteTable',
      'dynamodb:UpdateTable',
      'dynamodb:PartiQLDelete',
      'dynamodb:PartiQLSelect',
    ]) {
      expect(rolesAllowed(template, action), action).toEqual([]);
    }
  });

  it.each(ALL_FUNCTIONS)('gives the %s role no dynamodb:Scan or dynamodb:DeleteItem, on any resource', (fn) => {
    const { template } = synthesized(name);
    for (const action of ['dynamodb:Scan', 'dynamodb:DeleteItem']) {
      expect(
        roleGrants(template, fn).some((grant) => allows(grant, action)),
        action,
      ).toBe(false);
    }
  });

  it('lets only the stream consumers (relay, webhook events) read the table stream, and only that stream', () => {
    const { template } = synthesized(name);
    const table = resourceByPrefix(template, 'AWS::DynamoDB::Table', 'ControlPlaneTable')[0];
    for (const action of ['dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:DescribeStream']) {
      expect(rolesAllowed(template, action), action).toEqual(STREAM_CONSUMERS.map((fn) => roleOf(template, fn)).sort());
      const resources = grants(template)
        .filter((grant) => allows(grant, action))
        .flatMap((grant) => asList(grant.statement.Resource).map(render));
      expect(resources, action).toEqual(STREAM_CONSUMERS.map(() => `\${${table}.StreamArn}`));
    }
  });

  it.each(['commandRelay', 'deadlineSweeper', 'deadLetters'] as const)(
    'gives the %s role the item operations of the job path on the table and its index only',
    (fn) => {
      const { template } = synthesized(name);
      const table = resourceByPrefix(template, 'AWS::DynamoDB::Table', 'ControlPlaneTable')[0];
      const itemGrants = roleGrants(template, fn).filter((grant) => allows(grant, 'dynamodb:UpdateItem'));
      expect(itemGrants).toHaveLength(1);
      const [grant] = itemGrants;
      expect(asList(grant!.statement.Action).sort()).toEqual([
        'dynamodb:BatchGetItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:DescribeTable',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ]);
      expect(asList(grant!.statement.Resource).map(render)).toEqual([`\${${table}.Arn}`, `\${${table}.Arn}/index/*`]);
    },
  );

  it('gives the nodeApi role exactly the queue actions a pull needs: no sending, creating, signing or secrets', () => {
    const { template } = synthesized(name);
    const nodeGrants = roleGrants(template, 'nodeApi');
    for (const action of [
      'sqs:SendMessage',
      'sqs:CreateQueue',
      'sqs:SetQueueAttributes',
      'sqs:TagQueue',
      'kms:Sign',
      'kms:GetPublicKey',
      'secretsmanager:GetSecretValue',
      'secretsmanager:DescribeSecret',
    ]) {
      expect(
        nodeGrants.some((grant) => allows(grant, action)),
        action,
      ).toBe(false);
    }
    const sqsActions = nodeGrants.flatMap((grant) => asList(grant.statement.Action)).filter((action) => /^sqs:|^\*$/i.test(action));
    expect(sqsActions.sort()).toEqual(['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage']);
  });

  it('lets the nodeApi role decrypt with the data key (SQS SSE), and use no other key', () => {
    const { template } = synthesized(name);
    const dataKey = resourceByPrefix(template, 'AWS::KMS::Key', 'DataKey')[0];
    const kmsGrants = roleGrants(template, 'nodeApi').filter((grant) =>
      asList(grant.statement.Action).some((action) => /^kms:|^\*$/i.test(action)),
    );
    expect(kmsGrants.length).toBeGreaterThan(0);
    expect([...new Set(kmsGrants.flatMap((grant) => asList(grant.statement.Resource).map(render)))]).toEqual([`\${${dataKey}.Arn}`]);
    expect(kmsGrants.some((grant) => allows(grant, 'kms:Decrypt'))).toBe(true);
  });

  it('allows kms:Sign on the signing key only', () => {
    const { template } = synthesized(name);
    const signingKey = resourceByPrefix(template, 'AWS::KMS::Key', 'NodeKeySigningKey')[0];
    const resources = grants(template)
      .filter((grant) => allows(grant, 'kms:Sign'))
      .flatMap((grant) => asList(grant.statement.Resource).map(render));
    expect(resources).toEqual([`\${${signingKey}.Arn}`]);
  });

  it.each(['customerJobs', 'customerReads'] as const)('lets the %s role fetch the signing public key but not sign', (fn) => {
    const { template } = synthesized(name);
    const signingKey = resourceByPrefix(template, 'AWS::KMS::Key', 'NodeKeySigningKey')[0];
    const roleStatements = roleGrants(template, fn);
    expect(roleStatements.some((grant) => allows(grant, 'kms:Sign'))).toBe(false);
    const publicKey = roleStatements.filter((grant) => allows(grant, 'kms:GetPublicKey'));
    expect(publicKey.flatMap((grant) => asList(grant.statement.Resource).map(render))).toEqual([`\${${signingKey}.Arn}`]);
  });

  it('gives the customer-reads role no table writes, no queue access and no secrets', () => {
    const { template } = synthesized(name);
    const forbidden = [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:PartiQLInsert',
      'dynamodb:PartiQLUpdate',
      'dynamodb:PartiQLDelete',
      'secretsmanager:GetSecretValue',
      'kms:Encrypt',
      'kms:GenerateDataKey',
    ];
    const readGrants = roleGrants(template, 'customerReads');
    for (const action of forbidden)
      expect(
        readGrants.some((grant) => allows(grant, action)),
        action,
      ).toBe(false);
    const sqsActions = readGrants.flatMap((grant) => asList(grant.statement.Action)).filter((action) => /^sqs:|^\*$/i.test(action));
    expect(sqsActions).toEqual([]);
    expect(readGrants.some((grant) => allows(grant, 'dynamodb:GetItem'))).toBe(true);
  });

  it('lets the admin role read the admin token secret, and only that secret (none with IAM admin authorization)', () => {
    const { template, config } = synthesized(name);
    const reads = roleGrants(template, 'admin').filter((grant) => allows(grant, 'secretsmanager:GetSecretValue'));
    const resources = reads.flatMap((grant) => asList(grant.statement.Resource).map(render));
    if (config.adminAuth === 'iam') {
      expect(resources).toEqual([]);
      return;
    }
    const secret = resourceByPrefix(template, 'AWS::SecretsManager::Secret', 'AdminToken')[0];
    expect(resources).toEqual([`\${${secret}}`]);
  });

  it('lets each function write logs only to its own log group', () => {
    const { template } = synthesized(name);
    for (const fn of ALL_FUNCTIONS) {
      const logGroup = resourceByPrefix(template, 'AWS::Logs::LogGroup', `${FUNCTION_PREFIXES[fn]}Logs`)[0];
      const logWrites = roleGrants(template, fn).filter((grant) => allows(grant, 'logs:PutLogEvents'));
      expect(
        logWrites.flatMap((grant) => asList(grant.statement.Resource).map(render)),
        fn,
      ).toEqual([`\${${logGroup}.Arn}`]);
    }
  });
});
