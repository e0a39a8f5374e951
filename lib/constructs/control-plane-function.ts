/**
 * A control-plane Lambda (an API function, or a worker: relay, sweeper, dead-letter consumer):
 * Node.js 24 on arm64, bundled by the local esbuild as minified ESM with
 * the AWS SDK inside (the version the tests ran), its own log group and a role that can write
 * only there. Grants are added by the constructs that own each resource.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ApiFunction } from '../../lambdas/http/routes.js';

/** Each name is a handler in lambdas/handlers/. */
type ControlPlaneFunctionName = ApiFunction | 'command-relay' | 'deadline-sweeper' | 'dead-letters' | 'webhook-events' | 'webhook-delivery';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface ControlPlaneFunctionProps {
  name: ControlPlaneFunctionName;
  environment: Record<string, string>;
  /** Keep the log group when the stack is deleted. */
  protectData: boolean;
  memorySize?: number;
  /** Default 10 s; the node API long-polls for up to 20 s, the sweeper works through a backlog. */
  timeoutSeconds?: number;
}

class ControlPlaneFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: ControlPlaneFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: props.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    this.fn = new NodejsFunction(this, 'Function', {
      entry: path.join(PROJECT_ROOT, 'lambdas', 'handlers', `${props.name}.ts`),
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: Duration.seconds(props.timeoutSeconds ?? 10),
      role,
      logGroup,
      environment: props.environment,
      // X-Ray segments for every invocation, at no bundle cost (the Powertools Tracer library would
      // add about 124 KiB to each bundle for per-call subsegments).
      tracing: Tracing.ACTIVE,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: false,
        target: 'node24',
        bundleAwsSDK: true,
        forceDockerBundling: false,
        mainFields: ['module', 'main'],
        // The workspace packages (@b3iq/protocol) are bundled from their TypeScript source, never a stale
        // dist/. Naming conditions replaces esbuild's default `module`, which picks the AWS SDK's ES build.
        esbuildArgs: { '--conditions': 'b3iq-source,module' },
        // Some bundled CommonJS dependencies call require() for Node built-ins.
        banner: "import { createRequire as __b3iqCreateRequire } from 'node:module'; const require = __b3iqCreateRequire(import.meta.url);",
      },
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords, which active tracing needs, have no resource-level permissions.',
    });
  }
}

export type { ControlPlaneFunctionName };
export { ControlPlaneFunction };
