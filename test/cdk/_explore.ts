import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { stageConfig } from '../../lib/config.js';
import { PrivateInferenceStack } from '../../lib/private-inference-stack.js';

const app = new App({ context: { stage: 'prod' } });
const config = stageConfig(app.node);
const stack = new PrivateInferenceStack(app, 'S', { config, env: { account: '111111111111', region: 'eu-west-1' } });
const t = Template.fromStack(stack).toJSON();
for (const [id, r] of Object.entries<any>(t.Resources)) {
  if (/^AWS::(IAM|KMS|SQS|DynamoDB|Lambda::Function|Logs|SecretsManager|ApiGateway::(Stage|GatewayResponse|RestApi|Account))/.test(r.Type)) {
    const copy = { ...r }; if (copy.Properties?.Code) copy.Properties = { ...copy.Properties, Code: '...' };
    console.log(id, JSON.stringify(copy, null, 1));
  }
}
console.log(JSON.stringify(t.Outputs, null, 1));
