/**
 * cdk-nag v3's AwsSolutions checks, registered as bin/app.ts does (`Validations.of(app).addPlugins`).
 *
 * How findings surface in-process (aws-cdk-lib 2.276, cdk-nag 3.0.2): the pack is a policy
 * validation plugin that runs at the end of `app.synth()`. Unacknowledged findings of every
 * severity are written to `validation-report.json` (cx_api.VALIDATION_REPORT_FILE) in the cloud
 * assembly directory; the legacy `policy-validation-report.json` only appears with
 * `-c @aws-cdk/core:validationReportJson=true`. cdk-nag marks its plugin report unsuccessful for any
 * unacknowledged finding, warnings included, so in "inmemory" app mode (what tests get, forced here
 * through the `@aws-cdk/core:appMode` context) `synth()` throws a ValidationFailed error for a
 * warning as well as an error (in "process" mode, under `cdk synth`, it prints the report and sets
 * the exit code to 1). The tests assert on the report, which names each rule and its severity, and
 * on the throw. Acknowledgements are construct metadata of
 * type `Validations.ACKNOWLEDGED_RULES_METADATA_KEY`, keyed `Annotation::<rule id>`, valued by the reason:
 * one entry per acknowledgement, so the same id acknowledged twice on a construct keeps both reasons (and
 * both reach the cloud assembly's metadata). The template itself carries none unless the pack is built
 * with `writeSuppressionsToCloudFormation`, whose `cdk_nag` metadata keeps only the first reason per id.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type App, Aspects, cx_api, type Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, WriteNagSuppressionsToCloudFormationAspect } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStack, removeAssemblies, STACK_CONFIGURATIONS, SYNTH_TIMEOUT_MS, TEST_ENV } from './support/synth.js';

interface ReportViolation {
  ruleName: string;
  severity: string;
  violatingConstructs: { constructPath?: string }[];
}

interface ValidationReport {
  pluginReports: { pluginName: string; conclusion?: string; violations: ReportViolation[] }[];
}

/** Throw-on-error in-process synthesis, independent of NODE_ENV. */
const IN_MEMORY = { [cx_api.CDK_APP_MODE_CONTEXT]: 'inmemory' };

/** The stack plus cdk-nag, wired as bin/app.ts wires it; `extend` adds constructs before the checks run. */
function nagApp(
  context: Record<string, string>,
  options: { env?: 'agnostic'; extend?: (stack: Stack) => void } = {},
): { app: App; stack: Stack } {
  const { app, stack } = buildStack({ ...IN_MEMORY, ...context }, options.env === undefined ? {} : { env: options.env });
  options.extend?.(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

interface Synthesis {
  error: unknown;
  report: ValidationReport;
}

/** Synthesizes and reads the validation report, whether or not synth threw. */
function synthesizeWithReport(app: App): Synthesis {
  let error: unknown;
  try {
    app.synth();
  } catch (thrown) {
    error = thrown;
  }
  const reportPath = path.join(app.outdir, cx_api.VALIDATION_REPORT_FILE);
  if (!existsSync(reportPath)) throw new Error(`no ${cx_api.VALIDATION_REPORT_FILE} in ${app.outdir}`, { cause: error });
  return { error, report: JSON.parse(readFileSync(reportPath, 'utf8')) as ValidationReport };
}

const awsSolutionsFindings = (report: ValidationReport): ReportViolation[] =>
  report.pluginReports.filter((plugin) => plugin.pluginName === 'AwsSolutions').flatMap((plugin) => plugin.violations);

afterAll(removeAssemblies);

describe.each(STACK_CONFIGURATIONS)('AwsSolutions on the real stack ($case)', ({ context, env }) => {
  let app: App;
  let stack: Stack;
  let synthesis: Synthesis;

  beforeAll(() => {
    ({ app, stack } = nagApp(context, env === undefined ? {} : { env }));
    synthesis = synthesizeWithReport(app);
  }, SYNTH_TIMEOUT_MS);

  it('synthesizes without throwing', () => {
    expect(synthesis.error).toBeUndefined();
  });

  it('reports no unacknowledged AwsSolutions error or warning', () => {
    expect(awsSolutionsFindings(synthesis.report)).toEqual([]);
    expect(synthesis.report.pluginReports.filter((plugin) => plugin.conclusion === 'failure')).toEqual([]);
  });

  it('passes the same pack run directly over the construct tree', () => {
    const result = new AwsSolutionsChecks().validateScope(app);
    expect(result.violations).toEqual([]);
    expect(result.success).toBe(true);
  });

  it('acknowledges every finding with a reason of at least 40 characters', () => {
    const acknowledgements = stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, unknown>));
    expect(acknowledgements.length).toBeGreaterThan(0);
    const short = acknowledgements.filter(([, reason]) => typeof reason !== 'string' || reason.trim().length < 40);
    expect(short).toEqual([]);
  });
});

describe('acknowledgements', () => {
  /** Rule ids acknowledged on each construct path, from the construct metadata. */
  function acknowledged(stack: Stack): { at: string; id: string }[] {
    return stack.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.keys(entry.data as Record<string, unknown>))
        .map((key) => ({ at: construct.node.path, id: key.replace(/^annotation::/i, '') })),
    );
  }

  /** Every acknowledgement with its reason, on each construct path. */
  function acknowledgements(stack: Stack): { at: string; id: string; reason: string }[] {
    return stack.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
        .map(([key, reason]) => ({ at: construct.node.path, id: key.replace(/^annotation::/i, ''), reason })),
    );
  }

  /**
   * What AwsSolutions finds with every acknowledgement ignored. Reaches into cdk-nag 3.0.2's private
   * `isAcknowledged`, the only switch for it; if a cdk-nag upgrade renames it, this test fails loudly.
   */
  function rawFindings(scope: App): { ruleName: string; paths: string[] }[] {
    const pack = new AwsSolutionsChecks();
    expect(typeof (pack as unknown as Record<string, unknown>).isAcknowledged).toBe('function');
    Object.defineProperty(pack, 'isAcknowledged', { value: () => false });
    return pack.validateScope(scope).violations.map((violation) => ({
      ruleName: violation.ruleName,
      paths: violation.violatingResources.map((resource) => resource.constructPath ?? ''),
    }));
  }

  it.each(['dev', 'prod'] as const)('are each needed: every one matches a finding at or below its construct (%s)', (stage) => {
    const { app, stack } = buildStack({ stage });
    const findings = rawFindings(app);
    expect(findings.length).toBeGreaterThan(0);
    const unused = acknowledged(stack).filter(
      ({ at, id }) => !findings.some((finding) => finding.ruleName === id && finding.paths.some((p) => p === at || p.startsWith(`${at}/`))),
    );
    expect(unused).toEqual([]);
  });

  it.each(['dev', 'prod'] as const)(
    'acknowledge the node queue prefix wildcard on exactly the roles granted node queue access, each on its own (%s)',
    (stage) => {
      const { stack, config } = buildStack({ stage });
      // The ARN as cdk-nag sees it: with enablePartitionLiterals and the region known, the partition is a literal.
      const nodeQueues = `AwsSolutions-IAM5[Resource::arn:aws:sqs:${TEST_ENV.region}:${TEST_ENV.account}:${config.nodeQueuePrefix}*]`;
      const prefixAcknowledgements = acknowledged(stack).filter(({ id }) => id === nodeQueues);
      expect(acknowledged(stack).filter(({ id }) => id.includes(config.nodeQueuePrefix) && id !== nodeQueues)).toEqual([]);
      expect(prefixAcknowledgements.map(({ at }) => at).sort()).toEqual(
        ['AdminFunction', 'CommandRelay/Function', 'CustomerJobsFunction', 'NodeApiFunction'].map((fn) => `${stack.node.path}/${fn}/Role`),
      );
    },
  );

  /** The function roles, by construct path below the stack; the relay's stream event source adds its own wildcard. */
  const FUNCTION_ROLES = [
    'CustomerJobsFunction/Role',
    'CustomerReadsFunction/Role',
    'AdminFunction/Role',
    'NodeApiFunction/Role',
    'CommandRelay/Function/Role',
    'DeadlineSweeper/Function/Role',
    'DeadLetterConsumer/Function/Role',
    'Webhooks/EventsFunction/Role',
    'Webhooks/DeliveryFunction/Role',
  ];

  /** The roles of the stream consumers: each also acknowledges dynamodb:ListStreams. */
  const STREAM_ROLES = ['CommandRelay/Function/Role', 'Webhooks/EventsFunction/Role'];

  it.each(['dev', 'prod'] as const)(
    'acknowledge a Resource::* wildcard on exactly the function roles: X-Ray on each, and dynamodb:ListStreams too on the stream consumers (%s)',
    (stage) => {
      const { stack } = buildStack({ stage });
      const wildcard = acknowledgements(stack).filter(({ id }) => id === 'AwsSolutions-IAM5[Resource::*]');
      const byRole = new Map<string, string[]>();
      for (const { at, reason } of wildcard) byRole.set(at, [...(byRole.get(at) ?? []), reason]);
      expect([...byRole.keys()].sort()).toEqual(FUNCTION_ROLES.map((role) => `${stack.node.path}/${role}`).sort());
      for (const role of FUNCTION_ROLES) {
        const reasons = byRole.get(`${stack.node.path}/${role}`)!;
        // Each acknowledgement is its own metadata entry: acknowledging the same id twice on one role keeps both reasons.
        if (STREAM_ROLES.includes(role)) {
          expect(reasons).toHaveLength(2);
          expect(
            reasons.filter((reason) => /dynamodb:ListStreams/.test(reason)),
            role,
          ).toHaveLength(1);
        } else {
          expect(reasons, role).toHaveLength(1);
          expect(
            reasons.some((reason) => /ListStreams/.test(reason)),
            role,
          ).toBe(false);
        }
        const xray = reasons.filter((reason) => /x-?ray/i.test(reason));
        expect(xray, role).toHaveLength(1);
        expect(xray[0], role).toMatch(/xray:PutTraceSegments/);
        expect(xray[0], role).toMatch(/xray:PutTelemetryRecords/);
      }
    },
  );

  it('keep both Resource::* reasons of the relay role in the cloud assembly; the opt-in cdk_nag template metadata keeps only the first', () => {
    const { app, stack } = buildStack({ stage: 'dev' });
    // What AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }) would add; bin/app.ts does not opt in.
    Aspects.of(app).add(new WriteNagSuppressionsToCloudFormationAspect());
    app.synth();
    const relayRole = `/${stack.node.path}/CommandRelay/Function/Role`;
    const assemblyMetadata = JSON.parse(readFileSync(path.join(app.outdir, `${stack.artifactId}.metadata.json`), 'utf8')) as Record<
      string,
      { type: string; data: unknown }[]
    >;
    const recorded = (assemblyMetadata[relayRole] ?? [])
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .filter(([key]) => key.replace(/^annotation::/i, '') === 'AwsSolutions-IAM5[Resource::*]')
      .map(([, reason]) => reason);
    expect(recorded).toHaveLength(2);
    expect(recorded[0]).toMatch(/xray:PutTraceSegments/);
    expect(recorded[1]).toMatch(/dynamodb:ListStreams/);

    // cdk-nag 3.0.2 writes one reason per rule id (the first acknowledgement found, walking up from the resource).
    const policy = Object.entries(
      Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string; Metadata?: Record<string, unknown> }>,
    ).find(([id, resource]) => resource.Type === 'AWS::IAM::Policy' && id.startsWith('CommandRelayFunctionRoleDefaultPolicy'))![1];
    const rules = (policy.Metadata?.cdk_nag as { rules_to_suppress: { id: string; reason: string }[] }).rules_to_suppress;
    expect(rules.filter((rule) => rule.id === 'AwsSolutions-IAM5[Resource::*]').map((rule) => rule.reason)).toEqual([recorded[0]]);
  });
});

describe('negative controls: the checks are live', () => {
  it('fails synthesis and reports AwsSolutions-SQS3 and SQS4 for an extra queue without DLQ or SSL', () => {
    const { app, stack } = nagApp({ stage: 'dev' }, { extend: (target) => new Queue(target, 'Plain') });
    const { error, report } = synthesizeWithReport(app);

    expect(String(error)).toMatch(/ValidationFailed[\s\S]*AwsSolutions-SQS3[\s\S]*AwsSolutions-SQS4/);
    const findings = awsSolutionsFindings(report);
    const plainPath = `${stack.node.path}/Plain/Resource`;
    for (const rule of ['AwsSolutions-SQS3', 'AwsSolutions-SQS4']) {
      expect(findings).toContainEqual(
        expect.objectContaining({
          ruleName: rule,
          severity: 'error',
          violatingConstructs: [expect.objectContaining({ constructPath: plainPath })],
        }),
      );
    }
    // Only the extra queue is flagged: the stack's own dead-letter queue stays acknowledged and compliant.
    expect(findings.flatMap((finding) => finding.violatingConstructs.map((construct) => construct.constructPath))).toEqual(
      findings.map(() => plainPath),
    );
  });

  it('fails synthesis on a warning-level finding too (AwsSolutions-DDB3) and reports it as a warning', () => {
    const { app, stack } = nagApp(
      { stage: 'dev' },
      {
        extend: (target) =>
          new Table(target, 'NoPointInTimeRecovery', {
            partitionKey: { name: 'pk', type: AttributeType.STRING },
            pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: false },
          }),
      },
    );
    const { error, report } = synthesizeWithReport(app);

    expect(String(error)).toMatch(/ValidationFailed[\s\S]*WARNING[\s\S]*AwsSolutions-DDB3/);
    expect(awsSolutionsFindings(report)).toEqual([
      expect.objectContaining({
        ruleName: 'AwsSolutions-DDB3',
        severity: 'warning',
        violatingConstructs: [expect.objectContaining({ constructPath: `${stack.node.path}/NoPointInTimeRecovery/Resource` })],
      }),
    ]);
  });
});
