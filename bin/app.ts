#!/usr/bin/env node
/** CDK app: `cdk deploy -c stage=<name>`. cdk-nag's AwsSolutions checks run on every synth. */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageConfig } from '../lib/config.js';
import { PrivateInferenceStack } from '../lib/private-inference-stack.js';

const app = new App();
const config = stageConfig(app.node);
new PrivateInferenceStack(app, `B3iqPrivateInference-${config.stage}`, {
  config,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
