/**
 * Stage configuration from CDK context (lib/config.ts), and what it changes in the stack.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stageConfig } from '../../lib/config.js';
import {
  asList,
  buildStack,
  removeAssemblies,
  render,
  resourceByPrefix,
  resourcesOfType,
  SYNTH_TIMEOUT_MS,
  templateJson,
} from './support/synth.js';

/** The configuration `cdk synth -c key=value ...` would build (context values arrive as strings). */
const configFrom = (context: Record<string, string>) => stageConfig(new App({ context }).node);

afterAll(removeAssemblies);

describe('stageConfig', () => {
  it('defaults to an unprotected dev stage', () => {
    expect(configFrom({})).toEqual({
      stage: 'dev',
      protectData: false,
      adminAuth: 'token',
      adminTokenSecretArn: undefined,
      policyVersion: 'flat-v1',
      protocolFeeBps: 1000,
      nodeQueuePrefix: 'b3iq-dev-n-',
      deadLetterQueueName: 'b3iq-dev-dead-letters.fifo',
      apiThrottle: { rateLimit: 1000, burstLimit: 2000 },
      customerRateLimit: { perSecond: 100, burst: 500 },
      failedCredentialsRateLimit: { perSecond: 1, burst: 20 },
      jobWindows: { claimSeconds: 900, completionSeconds: 3600, envelopeRetentionSeconds: 604_800 },
      webhookLocalHttp: false,
    });
  });

  it.each([
    { case: 'prod', protectData: true },
    { case: 'test', protectData: true },
    { case: 'dev', protectData: false },
  ])('protects data for stage $case: $protectData', ({ case: stage, protectData }) => {
    expect(configFrom({ stage })).toMatchObject({ stage, protectData, nodeQueuePrefix: `b3iq-${stage}-n-` });
  });

  it('reads every setting from context', () => {
    const config = configFrom({
      stage: 'prod',
      webhookLocalHttp: 'true',
      policyVersion: 'flat-v2',
      protocolFeeBps: '500',
      apiRateLimit: '7',
      apiBurstLimit: '9',
      customerRateLimitPerSecond: '3',
      customerRateLimitBurst: '4',
      failedCredentialsRateLimitPerSecond: '2',
      failedCredentialsRateLimitBurst: '6',
      nodeQueuePrefix: 'pi-prod-n-',
      adminAuth: 'token',
      adminTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:b3iq-admin-AbCdEf',
      jobClaimSeconds: '120',
      jobCompletionSeconds: '600',
      envelopeRetentionSeconds: '86400',
    });
    expect(config).toEqual({
      stage: 'prod',
      protectData: true,
      adminAuth: 'token',
      adminTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:b3iq-admin-AbCdEf',
      policyVersion: 'flat-v2',
      protocolFeeBps: 500,
      nodeQueuePrefix: 'pi-prod-n-',
      deadLetterQueueName: 'b3iq-prod-dead-letters.fifo',
      apiThrottle: { rateLimit: 7, burstLimit: 9 },
      customerRateLimit: { perSecond: 3, burst: 4 },
      failedCredentialsRateLimit: { perSecond: 2, burst: 6 },
      jobWindows: { claimSeconds: 120, completionSeconds: 600, envelopeRetentionSeconds: 86_400 },
      webhookLocalHttp: true,
    });
  });

  it.each([
    { case: 'uppercase', stage: 'Prod' },
    { case: 'leading digit', stage: '1dev' },
    { case: 'hyphen', stage: 'dev-1' },
    { case: 'empty', stage: '' },
    { case: '17 characters', stage: 'a'.repeat(17) },
  ])('rejects a stage name with $case', ({ stage }) => {
    expect(() => configFrom({ stage })).toThrow(/context stage=.* must match/);
  });

  it.each<{ case: string; context: Record<string, string> }>([
    { case: 'protocolFeeBps=10000', context: { protocolFeeBps: '10000' } },
    { case: 'protocolFeeBps=-1', context: { protocolFeeBps: '-1' } },
    { case: 'protocolFeeBps=2.5', context: { protocolFeeBps: '2.5' } },
    { case: 'protocolFeeBps=abc', context: { protocolFeeBps: 'abc' } },
    { case: 'apiRateLimit=0', context: { apiRateLimit: '0' } },
    { case: 'apiBurstLimit=1.5', context: { apiBurstLimit: '1.5' } },
    { case: 'customerRateLimitPerSecond=-5', context: { customerRateLimitPerSecond: '-5' } },
    { case: 'customerRateLimitBurst=x', context: { customerRateLimitBurst: 'x' } },
    { case: 'failedCredentialsRateLimitPerSecond=0', context: { failedCredentialsRateLimitPerSecond: '0' } },
    { case: 'failedCredentialsRateLimitBurst=2.5', context: { failedCredentialsRateLimitBurst: '2.5' } },
  ])('rejects $case', ({ case: label, context }) => {
    expect(() => configFrom(context)).toThrow(`context ${label} is out of range`);
  });

  it.each<{ case: string; context: Record<string, string>; jobWindows: Record<string, number> }>([
    { case: 'defaults', context: {}, jobWindows: { claimSeconds: 900, completionSeconds: 3600, envelopeRetentionSeconds: 604_800 } },
    {
      case: 'claim window only',
      context: { jobClaimSeconds: '1800' },
      jobWindows: { claimSeconds: 1800, completionSeconds: 3600, envelopeRetentionSeconds: 604_800 },
    },
    {
      case: 'shortest windows (60 s each)',
      context: { jobClaimSeconds: '60', jobCompletionSeconds: '60' },
      jobWindows: { claimSeconds: 60, completionSeconds: 60, envelopeRetentionSeconds: 604_800 },
    },
    {
      case: 'longest windows (4 days each)',
      context: { jobClaimSeconds: '345600', jobCompletionSeconds: '345600' },
      jobWindows: { claimSeconds: 345_600, completionSeconds: 345_600, envelopeRetentionSeconds: 604_800 },
    },
    {
      case: 'completion equal to claim',
      context: { jobClaimSeconds: '3600' },
      jobWindows: { claimSeconds: 3600, completionSeconds: 3600, envelopeRetentionSeconds: 604_800 },
    },
    {
      case: 'retention of 1 s',
      context: { envelopeRetentionSeconds: '1' },
      jobWindows: { claimSeconds: 900, completionSeconds: 3600, envelopeRetentionSeconds: 1 },
    },
    {
      case: 'retention of 90 days',
      context: { envelopeRetentionSeconds: '7776000' },
      jobWindows: { claimSeconds: 900, completionSeconds: 3600, envelopeRetentionSeconds: 7_776_000 },
    },
  ])('reads the job windows from context ($case)', ({ context, jobWindows }) => {
    expect(configFrom(context).jobWindows).toEqual(jobWindows);
  });

  it.each<{ case: string; context: Record<string, string> }>([
    { case: 'jobClaimSeconds=59', context: { jobClaimSeconds: '59' } },
    { case: 'jobClaimSeconds=0', context: { jobClaimSeconds: '0' } },
    { case: 'jobClaimSeconds=-900', context: { jobClaimSeconds: '-900' } },
    { case: 'jobClaimSeconds=900.5', context: { jobClaimSeconds: '900.5' } },
    { case: 'jobClaimSeconds=soon', context: { jobClaimSeconds: 'soon' } },
    { case: 'jobClaimSeconds=345601', context: { jobClaimSeconds: '345601', jobCompletionSeconds: '345601' } },
    { case: 'jobCompletionSeconds=59', context: { jobCompletionSeconds: '59' } },
    { case: 'jobCompletionSeconds=345601', context: { jobCompletionSeconds: '345601' } },
    { case: 'jobCompletionSeconds=1h', context: { jobCompletionSeconds: '1h' } },
    { case: 'envelopeRetentionSeconds=0', context: { envelopeRetentionSeconds: '0' } },
    { case: 'envelopeRetentionSeconds=-1', context: { envelopeRetentionSeconds: '-1' } },
    { case: 'envelopeRetentionSeconds=1.5', context: { envelopeRetentionSeconds: '1.5' } },
    { case: 'envelopeRetentionSeconds=week', context: { envelopeRetentionSeconds: 'week' } },
  ])('rejects an out-of-range job window ($case)', ({ case: label, context }) => {
    const [key] = label.split('=');
    expect(() => configFrom(context)).toThrow(`context ${key}=${context[key!]} is out of range`);
  });

  it.each<{ case: string; context: Record<string, string>; message: string }>([
    {
      case: 'completion shorter than the default claim',
      context: { jobCompletionSeconds: '600' },
      message: 'context jobCompletionSeconds=600 must not be shorter than jobClaimSeconds=900',
    },
    {
      case: 'completion 1 s shorter than claim',
      context: { jobClaimSeconds: '7201', jobCompletionSeconds: '7200' },
      message: 'context jobCompletionSeconds=7200 must not be shorter than jobClaimSeconds=7201',
    },
    {
      case: 'claim above the default completion',
      context: { jobClaimSeconds: '3601' },
      message: 'context jobCompletionSeconds=3600 must not be shorter than jobClaimSeconds=3601',
    },
  ])('rejects a completion window shorter than the claim window ($case)', ({ context, message }) => {
    expect(() => configFrom(context)).toThrow(message);
  });

  it.each([
    { case: '0', fee: 0 },
    { case: '9999', fee: 9999 },
  ])('accepts protocolFeeBps=$case', ({ case: raw, fee }) => {
    expect(configFrom({ protocolFeeBps: raw }).protocolFeeBps).toBe(fee);
  });

  it('rejects a default node queue prefix longer than 12 characters (stage staging: b3iq-staging-n-, 15)', () => {
    expect(() => configFrom({ stage: 'staging' })).toThrow(/node queue prefix "b3iq-staging-n-" must be at most 12 .*-c nodeQueuePrefix/);
  });

  it('accepts a long stage name when nodeQueuePrefix is given', () => {
    expect(configFrom({ stage: 'staging', nodeQueuePrefix: 'b3iq-stg-n-' })).toMatchObject({
      stage: 'staging',
      nodeQueuePrefix: 'b3iq-stg-n-',
      protectData: true,
    });
  });

  it.each([
    { case: '13 characters', prefix: 'a'.repeat(13) },
    { case: 'a dot', prefix: 'b3iq.dev.n.' },
    { case: 'a slash', prefix: 'b3iq/dev/' },
    { case: 'nothing', prefix: '' },
  ])('rejects a nodeQueuePrefix with $case', ({ prefix }) => {
    expect(() => configFrom({ nodeQueuePrefix: prefix })).toThrow(/node queue prefix/);
  });

  it('keeps the longest node queue name within the 80-character SQS limit', () => {
    const prefix = 'a'.repeat(12);
    expect(configFrom({ nodeQueuePrefix: prefix }).nodeQueuePrefix).toBe(prefix);
    const longestNodeId = `a${'b'.repeat(62)}`; // packages/protocol/src/encoding/ids.ts: node_id is at most 63 characters
    expect(`${prefix}${longestNodeId}.fifo`).toHaveLength(80);
  });
});

describe('node queue prefix and the dead-letter queue', () => {
  it('rejects a nodeQueuePrefix the dead-letter queue name falls under', () => {
    // Under the prefix, node grants would reach the DLQ and a node named "dead-letters" would be it.
    expect(() => buildStack({ stage: 'dev', nodeQueuePrefix: 'b3iq-dev-' })).toThrow(/would cover the dead-letter queue/);
  });
});

describe('stack with an existing admin token secret (-c adminAuth=token -c adminTokenSecretArn)', () => {
  const ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:b3iq-admin-token-AbCdEf';
  let template: Template;

  beforeAll(() => {
    template = Template.fromStack(buildStack({ stage: 'prod', adminAuth: 'token', adminTokenSecretArn: ARN }).stack);
  }, SYNTH_TIMEOUT_MS);

  it('creates no secret of its own', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });

  it('hands the given ARN to the admin function and the AdminTokenSecretArn output', () => {
    const [, admin] = resourceByPrefix(template, 'AWS::Lambda::Function', 'AdminFunction');
    expect((admin.Properties?.Environment as { Variables: Record<string, unknown> }).Variables.ADMIN_TOKEN_SECRET_ARN).toBe(ARN);
    expect(templateJson(template).Outputs?.AdminTokenSecretArn?.Value).toBe(ARN);
  });

  it('lets only the admin role read exactly that secret', () => {
    const reads = resourcesOfType(template, 'AWS::IAM::Policy').flatMap(([id, policy]) =>
      (policy.Properties?.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement.filter(
        (statement) => asList(statement.Action).some((action) => action.startsWith('secretsmanager:')),
      ).map((statement) => ({ id, resources: asList(statement.Resource).map(render) })),
    );
    expect(reads).toEqual([{ id: expect.stringMatching(/^AdminFunctionRole/), resources: [ARN] }]);
  });
});
