/**
 * Builds the real stack the way bin/app.ts does (context from cdk.json, stage from `-c stage=`)
 * and reads the synthesized template. Every synthesis writes its cloud assembly into a temporary
 * directory that `removeAssemblies` deletes; call it from `afterAll`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, type Environment } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll } from 'vitest';
import { type StageConfig, stageConfig } from '../../../lib/config.js';
import { PrivateInferenceStack } from '../../../lib/private-inference-stack.js';

const TEST_ENV = { account: '111111111111', region: 'eu-west-1' } as const satisfies Environment;

/** The context cdk.json gives every `cdk synth` (feature flags such as iam:minimizePolicies). */
const CDK_JSON_CONTEXT = (
  JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }
).context;

const assemblyDirs: string[] = [];

/**
 * For `beforeAll` hooks that synthesize: vitest's 10 s hook default is too close to what a few
 * syntheses of the seven-function stack take on a busy machine.
 */
const SYNTH_TIMEOUT_MS = 120_000;

interface AppOptions {
  /** In place of cdk.json's context (the feature-flag tests synthesize with other flag sets). */
  baseContext?: Record<string, unknown>;
  /** The CDKMetadata resource `cdk synth` adds (off in tests unless asked for). */
  analyticsReporting?: boolean;
}

/** A fresh App with cdk.json's context plus `context` (values as strings, as `-c key=value` gives them). */
function newApp(context: Record<string, string> = {}, options: AppOptions = {}): App {
  const outdir = mkdtempSync(path.join(tmpdir(), 'b3iq-cdk-test-'));
  assemblyDirs.push(outdir);
  // Templates are what these tests read; bundling is exercised by the integration tests' deploy.
  return new App({
    outdir,
    context: { ...(options.baseContext ?? CDK_JSON_CONTEXT), 'aws:cdk:bundling-stacks': [], ...context },
    ...(options.analyticsReporting === undefined ? {} : { analyticsReporting: options.analyticsReporting }),
  });
}

interface Built {
  app: App;
  config: StageConfig;
  stack: PrivateInferenceStack;
}

/** The stack as bin/app.ts builds it; `env: 'agnostic'` leaves account and region unresolved. */
function buildStack(context: Record<string, string> = {}, options: { env?: 'agnostic' } & AppOptions = {}): Built {
  const app = newApp(context, options);
  const config = stageConfig(app.node);
  const stack = new PrivateInferenceStack(app, `B3iqPrivateInference-${config.stage}`, {
    config,
    ...(options.env === 'agnostic' ? {} : { env: TEST_ENV }),
  });
  return { app, config, stack };
}

function removeAssemblies(): void {
  for (const dir of assemblyDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

interface Configuration<C extends string> {
  case: C;
  context: Record<string, string>;
  env?: 'agnostic' | undefined;
}

/**
 * Synthesizes each configuration once, in the file's `beforeAll` (and removes the assemblies
 * afterwards); answers a lookup of a configuration's template and stage config by its case name.
 */
function synthesizeOnce<C extends string>(
  configurations: readonly Configuration<C>[],
): (name: C) => { template: Template; config: StageConfig } {
  const built = new Map<C, { template: Template; config: StageConfig }>();
  beforeAll(() => {
    for (const { case: name, context, env } of configurations) {
      const { stack, config } = buildStack(context, env === undefined ? {} : { env });
      built.set(name, { template: Template.fromStack(stack), config });
    }
  }, SYNTH_TIMEOUT_MS);
  afterAll(removeAssemblies);
  return (name) => {
    const found = built.get(name);
    if (found === undefined) throw new Error(`${name} was not synthesized`);
    return found;
  };
}

// ---- template reading -------------------------------------------------------------------------

interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
}

function templateJson(template: Template): CfnTemplate {
  return template.toJSON() as CfnTemplate;
}

/** Resources of one type, by logical id. */
function resourcesOfType(template: Template, type: string): [string, CfnResource][] {
  return Object.entries(templateJson(template).Resources).filter(([, resource]) => resource.Type === type);
}

/** The single resource of `type` whose logical id starts with `prefix`. */
function resourceByPrefix(template: Template, type: string, prefix: string): [string, CfnResource] {
  const found = resourcesOfType(template, type).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one ${type} with logical id prefix ${prefix}, found ${found.length}`);
  return found[0]!;
}

/**
 * A CloudFormation value as one string: `Ref` becomes `${Name}`, `Fn::GetAtt` `${Name.Attr}`,
 * `Fn::Join` is joined. Anything else is JSON.
 */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [key, arg] = entries[0]!;
      if (key === 'Ref' && typeof arg === 'string') return `\${${arg}}`;
      if (key === 'Fn::GetAtt' && Array.isArray(arg)) return `\${${arg.join('.')}}`;
      if (key === 'Fn::Join' && Array.isArray(arg) && typeof arg[0] === 'string' && Array.isArray(arg[1])) {
        return (arg[1] as unknown[]).map(render).join(arg[0]);
      }
    }
  }
  return JSON.stringify(value);
}

interface ApiMethod {
  /** The full path of the method's resource, e.g. `/v1/admin/customers`. */
  path: string;
  httpMethod: string;
  authorizationType: unknown;
  integrationUri: string;
  integrationType: unknown;
}

/** Every method of the stack's REST API, with the full path of its resource. */
function apiMethods(template: Template): ApiMethod[] {
  const [apiId] = resourceByPrefix(template, 'AWS::ApiGateway::RestApi', 'ControlPlaneApi');
  const resources = Object.fromEntries(resourcesOfType(template, 'AWS::ApiGateway::Resource'));
  const pathOf = (resourceId: unknown): string => {
    const rendered = render(resourceId);
    if (rendered === `\${${apiId}.RootResourceId}`) return '';
    const match = /^\$\{([A-Za-z0-9]+)\}$/.exec(rendered);
    const resource: CfnResource | undefined = match === null ? undefined : resources[match[1]!];
    if (resource === undefined) throw new Error(`unknown API resource ${rendered}`);
    return `${pathOf(resource.Properties?.ParentId)}/${String(resource.Properties?.PathPart)}`;
  };
  return resourcesOfType(template, 'AWS::ApiGateway::Method').map(([, method]) => {
    const integration = method.Properties?.Integration as { Uri: unknown; Type: unknown };
    return {
      path: pathOf(method.Properties?.ResourceId) || '/',
      httpMethod: String(method.Properties?.HttpMethod),
      authorizationType: method.Properties?.AuthorizationType,
      integrationUri: render(integration.Uri),
      integrationType: integration.Type,
    };
  });
}

/** `x` or `[x, y]` as a list. */
function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Whether an IAM action pattern (`sqs:*`, `kms:GenerateDataKey*`, `*`) covers `action`. */
function actionCovers(pattern: string, action: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return regex.test(action);
}

/** The stack as the CDK tests check it: each stage, an environment-agnostic one, and an imported admin token. */
const STACK_CONFIGURATIONS = [
  { case: 'dev', context: { stage: 'dev' }, env: undefined },
  { case: 'prod', context: { stage: 'prod' }, env: undefined },
  { case: 'prod, environment-agnostic', context: { stage: 'prod' }, env: 'agnostic' },
  {
    case: 'dev, imported admin token',
    context: { stage: 'dev', adminTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:b3iq-admin-AbCdEf' },
    env: undefined,
  },
] as const;

export type { ApiMethod, AppOptions, Built, CfnResource, CfnTemplate };
export {
  actionCovers,
  apiMethods,
  asList,
  buildStack,
  CDK_JSON_CONTEXT,
  newApp,
  removeAssemblies,
  render,
  resourceByPrefix,
  resourcesOfType,
  STACK_CONFIGURATIONS,
  SYNTH_TIMEOUT_MS,
  synthesizeOnce,
  TEST_ENV,
  templateJson,
};
