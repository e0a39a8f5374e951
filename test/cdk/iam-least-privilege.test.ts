/**
 * Least privilege: every IAM statement of the stack, attributed to the role it is attached to.
 * Roles are found through the function that assumes them (logical id prefixes SubmitJobFunction,
 * CustomerReadsFunction, AdminFunction, NodeApiFunction).
 */
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StageConfig } from '../../lib/config.js';
import { actionCovers, asList, buildStack, removeAssemblies, render, resourceByPrefix, resourcesOfType } from './support/synth.js';

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

const CONFIGURATIONS = [
  { case: 'dev', context: { stage: 'dev' }, env: undefined, scope: 'eu-west-1:111111111111' },
  { case: 'prod', context: { stage: 'prod' }, env: undefined, scope: 'eu-west-1:111111111111' },
  { case: 'dev, environment-agnostic', context: { stage: 'dev' }, env: 'agnostic', scope: '${AWS::Region}:${AWS::AccountId}' },
] as const;

type Case = (typeof CONFIGURATIONS)[number]['case'];
const built = new Map<Case, { template: Template; config: StageConfig }>();

beforeAll(() => {
  for (const { case: name, context, env } of CONFIGURATIONS) {
    const { stack, config } = buildStack(context, env === undefined ? {} : { env });
    built.set(name, { template: Template.fromStack(stack), config });
  }
});
afterAll(removeAssemblies);

function synthesized(name: Case): { template: Template; config: StageConfig } {
  const found = built.get(name);
  if (found === undefined) throw new Error(`${name} was not synthesized`);
  return found;
}

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
  return [...new Set(grants(template).filter((grant) => allows(grant, action)).flatMap((grant) => grant.roles))].sort();
}

const FUNCTION_PREFIXES = {
  submitJob: 'SubmitJobFunction',
  customerReads: 'CustomerReadsFunction',
  admin: 'AdminFunction',
  nodeApi: 'NodeApiFunction',
} as const;

/** The role a function runs as, read from the function's Role attribute. */
function roleOf(template: Template, fn: keyof typeof FUNCTION_PREFIXES): string {
  const [, resource] = resourceByPrefix(template, 'AWS::Lambda::Function', FUNCTION_PREFIXES[fn]);
  const role = render(resource.Properties?.Role);
  const match = /^\$\{(.+)\.Arn\}$/.exec(role);
  if (match === null) throw new Error(`function ${fn} has role ${role}, not a role of this stack`);
  return match[1]!;
}

function roleGrants(template: Template, fn: keyof typeof FUNCTION_PREFIXES): Grant[] {
  const role = roleOf(template, fn);
  return grants(template).filter((grant) => grant.roles.includes(role));
}

describe.each(CONFIGURATIONS.map(({ case: name }) => ({ case: name })))('IAM ($case)', ({ case: name }) => {
  it('gives each function its own role, with no managed or inline policies beside the stack policies', () => {
    const { template } = synthesized(name);
    const roles = (Object.keys(FUNCTION_PREFIXES) as (keyof typeof FUNCTION_PREFIXES)[]).map((fn) => roleOf(template, fn));
    expect(new Set(roles).size).toBe(4);
    for (const role of roles) {
      const [, resource] = resourceByPrefix(template, 'AWS::IAM::Role', role);
      expect(resource.Properties?.ManagedPolicyArns).toBeUndefined();
      expect(resource.Properties?.Policies).toBeUndefined();
    }
  });

  it('has statements to check (the collection is not vacuous)', () => {
    const { template } = synthesized(name);
    expect(grants(template).length).toBeGreaterThan(10);
    for (const fn of Object.keys(FUNCTION_PREFIXES) as (keyof typeof FUNCTION_PREFIXES)[]) {
      expect(roleGrants(template, fn).length).toBeGreaterThan(0);
    }
  });

  it('has no statement on Resource "*" and none with NotAction or NotResource', () => {
    const offending = grants(synthesized(name).template).filter(
      ({ statement }) =>
        statement.NotAction !== undefined ||
        statement.NotResource !== undefined ||
        asList(statement.Resource).length === 0 ||
        asList(statement.Resource).some((resource) => resource === '*'),
    );
    expect(offending).toEqual([]);
  });

  it('scopes every SQS action to the node queue prefix', () => {
    const { template, config } = synthesized(name);
    const scope = CONFIGURATIONS.find((c) => c.case === name)!.scope;
    const sqsGrants = grants(template).filter((grant) => asList(grant.statement.Action).some((action) => /^sqs:/i.test(action) || action === '*'));
    expect(sqsGrants.length).toBeGreaterThan(0);
    for (const { statement } of sqsGrants) {
      expect(asList(statement.Action).every((action) => /^sqs:[A-Za-z]+$/.test(action))).toBe(true);
      expect(asList(statement.Resource).map(render)).toEqual([`arn:\${AWS::Partition}:sqs:${scope}:${config.nodeQueuePrefix}*`]);
    }
    expect(config.nodeQueuePrefix).toBe(`b3iq-${config.stage}-n-`);
  });

  it.each([
    { case: 'sqs:CreateQueue', fn: 'admin' },
    { case: 'sqs:SetQueueAttributes', fn: 'admin' },
    { case: 'sqs:SendMessage', fn: 'submitJob' },
    { case: 'kms:Sign', fn: 'admin' },
    { case: 'secretsmanager:GetSecretValue', fn: 'admin' },
  ] as const)('grants $case to the $fn role only', ({ case: action, fn }) => {
    const { template } = synthesized(name);
    expect(rolesAllowed(template, action)).toEqual([roleOf(template, fn)]);
  });

  it.each(['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage'])(
    'grants %s to the nodeApi role only, on the node queue prefix only',
    (action) => {
      const { template, config } = synthesized(name);
      const scope = CONFIGURATIONS.find((c) => c.case === name)!.scope;
      expect(rolesAllowed(template, action)).toEqual([roleOf(template, 'nodeApi')]);
      const resources = grants(template)
        .filter((grant) => allows(grant, action))
        .flatMap((grant) => asList(grant.statement.Resource).map(render));
      expect(resources).toEqual([`arn:\${AWS::Partition}:sqs:${scope}:${config.nodeQueuePrefix}*`]);
    },
  );

  it('grants nobody sqs:DeleteQueue or sqs:PurgeQueue', () => {
    const { template } = synthesized(name);
    for (const action of ['sqs:DeleteQueue', 'sqs:PurgeQueue']) {
      expect(rolesAllowed(template, action), action).toEqual([]);
    }
  });

  it('grants nobody table scans, deletes, batch writes or stream reads', () => {
    const { template } = synthesized(name);
    for (const action of ['dynamodb:Scan', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:GetRecords', 'dynamodb:DeleteTable']) {
      expect(rolesAllowed(template, action), action).toEqual([]);
    }
  });

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
      expect(nodeGrants.some((grant) => allows(grant, action)), action).toBe(false);
    }
    const sqsActions = nodeGrants.flatMap((grant) => asList(grant.statement.Action)).filter((action) => /^sqs:|^\*$/i.test(action));
    expect(sqsActions.sort()).toEqual(['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage']);
  });

  it('lets the nodeApi role decrypt with the data key (SQS SSE), and use no other key', () => {
    const { template } = synthesized(name);
    const dataKey = resourceByPrefix(template, 'AWS::KMS::Key', 'DataKey')[0];
    const kmsGrants = roleGrants(template, 'nodeApi').filter((grant) => asList(grant.statement.Action).some((action) => /^kms:|^\*$/i.test(action)));
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

  it.each(['submitJob', 'customerReads'] as const)('lets the %s role fetch the signing public key but not sign', (fn) => {
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
    for (const action of forbidden) expect(readGrants.some((grant) => allows(grant, action)), action).toBe(false);
    const sqsActions = readGrants.flatMap((grant) => asList(grant.statement.Action)).filter((action) => /^sqs:|^\*$/i.test(action));
    expect(sqsActions).toEqual([]);
    expect(readGrants.some((grant) => allows(grant, 'dynamodb:GetItem'))).toBe(true);
  });

  it('lets the admin role read the admin token secret, and only that secret', () => {
    const { template } = synthesized(name);
    const secret = resourceByPrefix(template, 'AWS::SecretsManager::Secret', 'AdminToken')[0];
    const reads = roleGrants(template, 'admin').filter((grant) => allows(grant, 'secretsmanager:GetSecretValue'));
    expect(reads.flatMap((grant) => asList(grant.statement.Resource).map(render))).toEqual([`\${${secret}}`]);
  });

  it('lets each function write logs only to its own log group', () => {
    const { template } = synthesized(name);
    for (const fn of Object.keys(FUNCTION_PREFIXES) as (keyof typeof FUNCTION_PREFIXES)[]) {
      const logGroup = resourceByPrefix(template, 'AWS::Logs::LogGroup', `${FUNCTION_PREFIXES[fn]}Logs`)[0];
      const logWrites = roleGrants(template, fn).filter((grant) => allows(grant, 'logs:PutLogEvents'));
      expect(logWrites.flatMap((grant) => asList(grant.statement.Resource).map(render)), fn).toEqual([`\${${logGroup}.Arn}`]);
    }
  });
});
