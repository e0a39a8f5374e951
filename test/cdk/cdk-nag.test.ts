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
 * type `Validations.ACKNOWLEDGED_RULES_METADATA_KEY`, keyed `Annotation::<rule id>`, valued by the reason.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type App, cx_api, type Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStack, removeAssemblies, SYNTH_TIMEOUT_MS } from './support/synth.js';

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
function nagApp(context: Record<string, string>, options: { env?: 'agnostic'; extend?: (stack: Stack) => void } = {}): { app: App; stack: Stack } {
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

const CONFIGURATIONS = [
  { case: 'dev', context: { stage: 'dev' }, env: undefined },
  { case: 'prod', context: { stage: 'prod' }, env: undefined },
  { case: 'prod, environment-agnostic', context: { stage: 'prod' }, env: 'agnostic' },
  {
    case: 'dev, imported admin token',
    context: { stage: 'dev', adminTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:b3iq-admin-AbCdEf' },
    env: undefined,
  },
] as const;

describe.each(CONFIGURATIONS)('AwsSolutions on the real stack ($case)', ({ context, env }) => {
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
      const prefixAcknowledgements = acknowledged(stack).filter(
        ({ id }) => id.startsWith('AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sqs:') && id.endsWith(`:${config.nodeQueuePrefix}*]`),
      );
      expect(prefixAcknowledgements.map(({ at }) => at).sort()).toEqual(
        ['AdminFunction', 'CommandRelay/Function', 'CustomerJobsFunction', 'NodeApiFunction'].map((fn) => `${stack.node.path}/${fn}/Role`),
      );
    },
  );

  it.each(['dev', 'prod'] as const)('acknowledge a Resource::* wildcard only on the command relay role, for dynamodb:ListStreams (%s)', (stage) => {
    const { stack } = buildStack({ stage });
    const wildcard = acknowledged(stack).filter(({ id }) => id === 'AwsSolutions-IAM5[Resource::*]');
    expect(wildcard.map(({ at }) => at)).toEqual([`${stack.node.path}/CommandRelay/Function/Role`]);
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
        expect.objectContaining({ ruleName: rule, severity: 'error', violatingConstructs: [expect.objectContaining({ constructPath: plainPath })] }),
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
