/**
 * Puts the synthesized stack itself on an emulator: `cdk bootstrap` then `cdk deploy`, bundling
 * with the local esbuild, and reads the stack outputs back.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AdminAuth } from '../../lib/config.js';
import { NODE_BIN, PROJECT_ROOT } from './paths.js';
import { run } from './run.js';

interface StackOutputs {
  ApiUrl: string;
  RestApiId: string;
  StageName: string;
  TableName: string;
  /** Deployed with `adminAuth` `token` (the default here); absent with `iam`. */
  AdminTokenSecretArn: string;
  /** Deployed with `adminAuth` `iam`: the operators' execute-api:Invoke policy on /v1/admin/*. */
  AdminInvokePolicyArn?: string;
  NodeKeySigningKeyArn: string;
  DeadLetterQueueArn: string;
  DataKeyArn: string;
  NodeQueuePrefix: string;
  DeadlineSweeperFunctionName: string;
}

interface DeployedStack {
  stackName: string;
  outputs: StackOutputs;
  /** The API's invoke URL on the emulator (LocalStack-style path), without a trailing slash. */
  apiUrl: string;
}

async function deployStack(
  awsEnv: Record<string, string>,
  options: { stage: string; adminAuth?: AdminAuth; log?: (line: string) => void; verbose?: boolean },
): Promise<DeployedStack> {
  const log = options.log ?? (() => {});
  const env = { ...process.env, ...awsEnv, PATH: `${NODE_BIN}:${process.env.PATH ?? ''}` };
  const cdk = path.join(NODE_BIN, 'cdk');
  const account = awsEnv.CDK_DEFAULT_ACCOUNT;
  const region = awsEnv.CDK_DEFAULT_REGION;
  const stackName = `B3iqPrivateInference-${options.stage}`;
  const outDir = mkdtempSync(path.join(tmpdir(), 'b3iq-cdk-'));
  const outputsFile = path.join(outDir, 'outputs.json');
  try {
    log('cdk bootstrap');
    await run(cdk, ['bootstrap', `aws://${account}/${region}`, '--no-notices', '--output', path.join(outDir, 'bootstrap.out')], {
      env,
      cwd: PROJECT_ROOT,
      verbose: options.verbose,
    });
    log(`cdk deploy ${stackName}`);
    await run(
      cdk,
      [
        'deploy',
        stackName,
        '--context',
        `stage=${options.stage}`,
        // Named, not left to the stage's default: local stacks keep the admin token (.b3iq/local.json,
        // the contract's admin calls) unless a test asks for IAM.
        '--context',
        `adminAuth=${options.adminAuth ?? 'token'}`,
        // Webhook receivers of local development and the integration tests listen on 127.0.0.1.
        '--context',
        'webhookLocalHttp=true',
        '--require-approval',
        'never',
        '--no-notices',
        '--output',
        path.join(outDir, 'cdk.out'),
        '--outputs-file',
        outputsFile,
      ],
      { env, cwd: PROJECT_ROOT, verbose: options.verbose },
    );
    const outputs = (JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, StackOutputs>)[stackName];
    if (outputs === undefined) throw new Error(`cdk deploy wrote no outputs for ${stackName}`);
    const apiUrl = `${awsEnv.AWS_ENDPOINT_URL}/_aws/execute-api/${outputs.RestApiId}/${outputs.StageName}`;
    return { stackName, outputs, apiUrl };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** The environment the stack gives its Lambdas, for running the same handlers in-process. */
function lambdaEnv(outputs: StackOutputs): Record<string, string> {
  return {
    TABLE_NAME: outputs.TableName,
    NODE_KEY_SIGNING_KEY_ARN: outputs.NodeKeySigningKeyArn,
    NODE_QUEUE_PREFIX: outputs.NodeQueuePrefix,
    DEAD_LETTER_QUEUE_ARN: outputs.DeadLetterQueueArn,
    DATA_KEY_ARN: outputs.DataKeyArn,
    ADMIN_TOKEN_SECRET_ARN: outputs.AdminTokenSecretArn,
    POLICY_VERSION: 'flat-v1',
    PROTOCOL_FEE_BPS: '1000',
    // As the stack deploys it locally (context webhookLocalHttp=true).
    WEBHOOK_LOCAL_HTTP: 'true',
  };
}

export type { DeployedStack, StackOutputs };
export { deployStack, lambdaEnv };
