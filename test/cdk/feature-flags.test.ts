/**
 * cdk.json carries every feature flag aws-cdk-lib recommends, and each flag's effect on this
 * stack's template is reviewed here. The stack is synthesized, for every configuration the other
 * CDK tests use, three ways: with cdk.json's flags, with none (each flag at its unconfigured
 * default), and with every flag but the reviewed ones. Reviewed (aws-cdk-lib 2.276.0):
 *
 * - `@aws-cdk/aws-iam:minimizePolicies` merges policy statements; the grants stay the same.
 * - `@aws-cdk/core:enablePartitionLiterals` writes `arn:aws:` where the region is known, in place
 *   of a reference to `AWS::Partition` (so the API deployment's logical id, a hash of the methods,
 *   changes too); an environment-agnostic stack keeps the reference. cdk-nag names the wildcard
 *   of the node queue grants as rendered, so its acknowledgement follows (node-command-queues.ts).
 * - `@aws-cdk/aws-apigateway:logGroupDestinationArnWithoutWildcard` points the stage's access
 *   logs at the log group ARN without the trailing `:*` (what API Gateway stores: no drift).
 * - `@aws-cdk/core:enableAdditionalMetadataCollection` adds L2 property keys and boolean/enum
 *   values to the CDKMetadata usage report `cdk synth` writes (not in these test apps unless asked).
 *
 * Every other flag leaves the template as it is; a new flag that changes it fails the "leave the
 * template unchanged" test until its effect is reviewed and pinned here. Some would matter but
 * find the value set explicitly: `aws-lambda:useCdkManagedLogGroup` (each function has its own log
 * group, with retention), `aws-lambda-nodejs:useLatestRuntimeVersion` (Node.js 24 is pinned),
 * `aws-lambda-nodejs:sdkV3ExcludeSmithyPackages` (the AWS SDK is bundled) and
 * `aws-apigateway:disableCloudWatchRole` (the API asks for its CloudWatch role). Flags that act at
 * synthesis rather than on the template are pinned where they matter (validateAgainstDefaultRules).
 */
import { gunzipSync } from 'node:zlib';
import { CfnResource, cx_api } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asList,
  buildStack,
  CDK_JSON_CONTEXT,
  type CfnTemplate,
  removeAssemblies,
  render,
  resourceByPrefix,
  resourcesOfType,
  STACK_CONFIGURATIONS,
  SYNTH_TIMEOUT_MS,
  TEST_ENV,
} from './support/synth.js';

const RECOMMENDED = cx_api.CURRENTLY_RECOMMENDED_FLAGS as Record<string, unknown>;
const FLAG_NAMES = new Set(Object.keys(cx_api.FLAGS));

/** The flags whose effect on this stack's template is reviewed above, each pinned below. */
const TEMPLATE_FLAGS = [
  '@aws-cdk/aws-iam:minimizePolicies',
  '@aws-cdk/core:enablePartitionLiterals',
  '@aws-cdk/aws-apigateway:logGroupDestinationArnWithoutWildcard',
  '@aws-cdk/core:enableAdditionalMetadataCollection',
] as const;

/** cdk.json's context without the given flags (unset: each behaves as its unconfigured default). */
function contextWithout(flags: Iterable<string>): Record<string, unknown> {
  const context = { ...CDK_JSON_CONTEXT };
  for (const flag of flags) delete context[flag];
  return context;
}

const NO_FLAGS = contextWithout(Object.keys(CDK_JSON_CONTEXT).filter((key) => FLAG_NAMES.has(key)));
const UNREVIEWED_FLAGS_ONLY = contextWithout(TEMPLATE_FLAGS);

type Case = (typeof STACK_CONFIGURATIONS)[number]['case'];

interface Variants {
  flags: CfnTemplate;
  none: CfnTemplate;
  unreviewedOnly: CfnTemplate;
}

const built = new Map<Case, Variants>();
beforeAll(() => {
  for (const { case: name, context, env } of STACK_CONFIGURATIONS) {
    const synth = (baseContext: Record<string, unknown>) =>
      Template.fromStack(buildStack(context, { baseContext, ...(env === undefined ? {} : { env }) }).stack).toJSON() as CfnTemplate;
    built.set(name, { flags: synth(CDK_JSON_CONTEXT), none: synth(NO_FLAGS), unreviewedOnly: synth(UNREVIEWED_FLAGS_ONLY) });
  }
}, SYNTH_TIMEOUT_MS * 2);
afterAll(removeAssemblies);

const variants = (name: Case): Variants => built.get(name)!;

// ---- normalizations: each undoes one reviewed effect -------------------------------------------

type Json = unknown;

/** Deep copy with `fn` applied to every value, bottom-up. */
function mapJson(value: Json, fn: (value: Json) => Json): Json {
  if (Array.isArray(value)) return fn(value.map((item) => mapJson(item, fn)));
  if (typeof value === 'object' && value !== null) {
    return fn(Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapJson(item, fn)])));
  }
  return fn(value);
}

/** `Fn::Join` with `"": [..., {Ref: AWS::Partition}, ...]` written with the literal partition, adjacent strings merged. */
function partitionAsLiteral(value: Json): Json {
  return mapJson(value, (node) => {
    const join = (node as { 'Fn::Join'?: [string, Json[]] } | null)?.['Fn::Join'];
    if (!Array.isArray(join) || join[0] !== '' || !Array.isArray(join[1])) return node;
    const parts: Json[] = [];
    for (const part of join[1].map((p) => (JSON.stringify(p) === '{"Ref":"AWS::Partition"}' ? 'aws' : p))) {
      const last = parts.length - 1;
      if (typeof part === 'string' && typeof parts[last] === 'string') parts[last] = (parts[last] as string) + part;
      else parts.push(part);
    }
    return parts.length === 1 && typeof parts[0] === 'string' ? parts[0] : { 'Fn::Join': ['', parts] };
  });
}

/** The API deployment's logical id is a hash of the methods: named by its prefix. */
function deploymentIdsNamed(template: CfnTemplate): CfnTemplate {
  return JSON.parse(
    JSON.stringify(template).replace(/ControlPlaneApiDeployment[0-9a-f]{32,}/g, 'ControlPlaneApiDeployment#'),
  ) as CfnTemplate;
}

/** A policy document's statements as the set of single grants they make, whatever the grouping. */
function grants(document: { Statement: Record<string, Json>[] }): string[] {
  const list = (value: Json): Json[] => (value === undefined ? [undefined] : Array.isArray(value) ? value : [value]);
  const out = new Set<string>();
  for (const { Action, Resource, Principal, ...rest } of document.Statement) {
    const principals =
      typeof Principal === 'object' && Principal !== null
        ? Object.entries(Principal).flatMap(([kind, ids]) => list(ids).map((id) => ({ [kind]: id })))
        : list(Principal);
    for (const action of list(Action))
      for (const resource of list(Resource))
        for (const principal of principals) out.add(JSON.stringify({ ...rest, principal, action, resource }));
  }
  return [...out].sort();
}

/** Every policy document (IAM, key, topic, queue policies) as its set of grants. */
function policiesAsGrants(value: Json): Json {
  return mapJson(value, (node) =>
    typeof node === 'object' && node !== null && Array.isArray((node as { Statement?: Json }).Statement)
      ? { grants: grants(node as { Statement: Record<string, Json>[] }) }
      : node,
  );
}

/** The stage's access log destination, whose form logGroupDestinationArnWithoutWildcard sets (pinned on its own). */
function withoutAccessLogDestination(template: CfnTemplate): CfnTemplate {
  const copy = JSON.parse(JSON.stringify(template)) as CfnTemplate;
  for (const resource of Object.values(copy.Resources)) {
    const setting = resource.Properties?.AccessLogSetting as { DestinationArn?: Json } | undefined;
    if (resource.Type === 'AWS::ApiGateway::Stage' && setting) setting.DestinationArn = '<access log group>';
  }
  return copy;
}

const normalized = (template: CfnTemplate): Json =>
  policiesAsGrants(partitionAsLiteral(withoutAccessLogDestination(deploymentIdsNamed(template))));

// ---- the tests ---------------------------------------------------------------------------------

describe('cdk.json', () => {
  it('sets every flag aws-cdk-lib currently recommends, at the recommended value', () => {
    const configured = Object.fromEntries(Object.keys(RECOMMENDED).map((flag) => [flag, CDK_JSON_CONTEXT[flag]]));
    expect(configured).toEqual(RECOMMENDED);
  });

  it('sets no flag aws-cdk-lib does not recommend (the rest of its context is the stage)', () => {
    const other = Object.keys(CDK_JSON_CONTEXT).filter((key) => !(key in RECOMMENDED));
    expect(other).toEqual(['stage']);
  });

  it('reviews only flags it sets', () => {
    for (const flag of TEMPLATE_FLAGS) expect(RECOMMENDED[flag], flag).toBe(true);
  });
});

describe.each(STACK_CONFIGURATIONS)('feature flags on the template ($case)', ({ case: name, env }) => {
  it('the flags not reviewed here leave the template unchanged', () => {
    const { none, unreviewedOnly } = variants(name);
    expect(unreviewedOnly).toEqual(none);
  });

  it('the reviewed flags change nothing but what the file header lists', () => {
    const { flags, none } = variants(name);
    expect(flags).not.toEqual(none);
    expect(normalized(flags)).toEqual(normalized(none));
  });

  it('minimizePolicies merges statements but grants exactly the same actions on the same resources to the same principals', () => {
    const { flags, none } = variants(name);
    const documents = (template: CfnTemplate) =>
      Object.fromEntries(
        Object.entries(partitionAsLiteral(deploymentIdsNamed(template).Resources) as CfnTemplate['Resources']).flatMap(([id, resource]) => {
          const document = (resource.Properties?.PolicyDocument ?? resource.Properties?.KeyPolicy) as
            | { Statement: Record<string, Json>[] }
            | undefined;
          return document ? [[id, grants(document)]] : [];
        }),
      );
    const minimized = documents(flags);
    expect(Object.keys(minimized).length).toBeGreaterThan(0);
    expect(minimized).toEqual(documents(none));
    // And it did merge: some role policy has fewer statements than without the flag.
    const statementCount = (template: CfnTemplate) =>
      resourcesOfType(Template.fromJSON(template), 'AWS::IAM::Policy').reduce(
        (sum, [, policy]) => sum + (policy.Properties?.PolicyDocument as { Statement: unknown[] }).Statement.length,
        0,
      );
    expect(statementCount(flags)).toBeLessThan(statementCount(none));
  });

  it(
    env === 'agnostic'
      ? 'enablePartitionLiterals: with no region known, every ARN keeps the AWS::Partition reference'
      : 'enablePartitionLiterals: with the region known, only the AWS managed policy ARN refers to AWS::Partition; the key policies name arn:aws:iam::<account>:root',
    () => {
      const { flags, none } = variants(name);
      const partitionRefs = (template: CfnTemplate) => (JSON.stringify(template).match(/"Ref":"AWS::Partition"/g) ?? []).length;
      expect(partitionRefs(none)).toBeGreaterThan(0);
      if (env === 'agnostic') {
        // The access log destination is logGroupDestinationArnWithoutWildcard's, pinned on its own below.
        expect(partitionRefs(withoutAccessLogDestination(flags))).toBe(partitionRefs(withoutAccessLogDestination(none)));
        return;
      }
      // One reference stays: CDK always writes an AWS managed policy's ARN with it (and the IAM4 acknowledgement names it so).
      const template = Template.fromJSON(flags);
      const [, cloudWatchRole] = resourceByPrefix(template, 'AWS::IAM::Role', 'ControlPlaneApiCloudWatchRole');
      expect(asList(cloudWatchRole.Properties?.ManagedPolicyArns).map(render)).toEqual([
        'arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
      ]);
      expect(partitionRefs(flags)).toBe(1);
      for (const prefix of ['DataKey', 'NodeKeySigningKey']) {
        const [, key] = resourceByPrefix(template, 'AWS::KMS::Key', prefix);
        const statements = (key.Properties?.KeyPolicy as { Statement: { Action: unknown; Principal: unknown }[] }).Statement;
        expect(statements.find((statement) => statement.Action === 'kms:*')?.Principal, prefix).toEqual({
          AWS: `arn:aws:iam::${TEST_ENV.account}:root`,
        });
      }
    },
  );

  it('logGroupDestinationArnWithoutWildcard: the stage logs to its access log group ARN, without the trailing :*', () => {
    const { flags, none } = variants(name);
    const destination = (template: CfnTemplate) => {
      const [, stage] = resourcesOfType(Template.fromJSON(template), 'AWS::ApiGateway::Stage')[0]!;
      return render((stage.Properties?.AccessLogSetting as { DestinationArn: unknown }).DestinationArn);
    };
    const [logGroupId] = resourceByPrefix(Template.fromJSON(flags), 'AWS::Logs::LogGroup', 'ControlPlaneApiAccessLogs');
    expect(destination(none)).toBe(`\${${logGroupId}.Arn}`);
    expect(destination(flags)).toBe(
      env === 'agnostic'
        ? `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:\${${logGroupId}}`
        : `arn:aws:logs:${TEST_ENV.region}:${TEST_ENV.account}:log-group:\${${logGroupId}}`,
    );
  });
});

describe('enableAdditionalMetadataCollection', () => {
  /** The usage report of the CDKMetadata resource, decoded (`v2:deflate64:` + base64 gzip). */
  function usageReport(baseContext: Record<string, unknown>): string {
    const { stack } = buildStack(
      { stage: 'prod', adminAuth: 'token', adminTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:b3iq-admin-AbCdEf' },
      { baseContext, analyticsReporting: true },
    );
    const analytics = (Template.fromStack(stack).toJSON() as CfnTemplate).Resources.CDKMetadata?.Properties?.Analytics;
    expect(typeof analytics).toBe('string');
    return gunzipSync(Buffer.from((analytics as string).replace(/^v2:deflate64:/, ''), 'base64')).toString('utf8');
  }

  it('adds the L2 property keys to the usage report, with every string value redacted: no name, id or ARN of the stack', () => {
    const withFlag = usageReport(CDK_JSON_CONTEXT);
    const without = usageReport(contextWithout(['@aws-cdk/core:enableAdditionalMetadataCollection']));
    expect(without).not.toContain('"enableKeyRotation":true');
    expect(withFlag).toContain('"enableKeyRotation":true');
    for (const report of [withFlag, without]) expect(report).not.toMatch(/b3iq|111111111111|arn:|secret|flat-v1/i);
  });
});

describe('validateAgainstDefaultRules', () => {
  /** The stack plus a queue whose message retention CloudFormation would reject (at least 60 s). */
  function synthesizeWithInvalidQueue(baseContext: Record<string, unknown>): unknown {
    const { app, stack } = buildStack({ stage: 'dev', [cx_api.CDK_APP_MODE_CONTEXT]: 'inmemory' }, { baseContext });
    new CfnResource(stack, 'InvalidQueue', { type: 'AWS::SQS::Queue', properties: { MessageRetentionPeriod: 10 } });
    try {
      app.synth();
      return undefined;
    } catch (error) {
      return error;
    }
  }

  it(
    'makes synthesis fail on a template CloudFormation would reject; unset, the finding is only a warning',
    () => {
      expect(String(synthesizeWithInvalidQueue(CDK_JSON_CONTEXT))).toMatch(/InvalidQueue|MessageRetentionPeriod/);
      expect(synthesizeWithInvalidQueue(contextWithout(['@aws-cdk/core:validateAgainstDefaultRules']))).toBeUndefined();
    },
    SYNTH_TIMEOUT_MS,
  );
});
