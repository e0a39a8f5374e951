/**
 * The REST API. Its routes come from the same table the Lambdas dispatch on; every known path
 * also has an ANY method and every other path a catch-all, both answered by the fallback function
 * with the contract's 405 or 404 problem. Gateway-made errors use the same problem shape.
 */
import { CfnOutput, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PROBLEMS, type ProblemCode } from '../../lambdas/domain/problems.js';
import { API_ROUTES, type ApiFunction, FALLBACK_FUNCTION } from '../../lambdas/http/routes.js';

interface ControlPlaneApiProps {
  stage: string;
  functions: Record<ApiFunction, IFunction>;
  throttle: { rateLimit: number; burstLimit: number };
  /** Keep the access logs when the stack is deleted. */
  protectData: boolean;
}

/** Problems the gateway itself answers, before any Lambda runs. */
const GATEWAY_PROBLEMS: [ResponseType, ProblemCode, string][] = [
  [ResponseType.MISSING_AUTHENTICATION_TOKEN, 'not_found', 'no such route'],
  [ResponseType.RESOURCE_NOT_FOUND, 'not_found', 'no such route'],
  [ResponseType.THROTTLED, 'rate_limited', 'too many requests; slow down and retry'],
  [ResponseType.QUOTA_EXCEEDED, 'rate_limited', 'request quota exceeded; retry later'],
  [ResponseType.REQUEST_TOO_LARGE, 'payload_too_large', 'the body is larger than the gateway accepts'],
  [ResponseType.UNSUPPORTED_MEDIA_TYPE, 'unsupported_media_type', 'send the body as Content-Type: application/json'],
  [ResponseType.DEFAULT_5XX, 'internal_error', 'an unexpected error stopped the request; try again later'],
];

/** Findings that follow from the contract, each with its reason. */
function acknowledgeApiFindings(api: RestApi): void {
  const credentials =
    'Callers authenticate with the B3IQ headers the public contract fixes (X-B3IQ-Customer-ID/Token, X-B3IQ-Admin-Token); ' +
    'the Lambda checks them against stored hashes in constant time and in the contract order of checks. ' +
    'Cognito or IAM authorization would change the public API.';
  Validations.of(api).acknowledge(
    { id: 'AwsSolutions-APIG4', reason: credentials },
    { id: 'AwsSolutions-COG4', reason: credentials },
    {
      id: 'AwsSolutions-APIG2',
      reason:
        'Bodies are validated in the Lambda by the same schema code the SDK uses: the contract answers 401 before 400, which gateway validation cannot do.',
    },
    {
      id: 'AwsSolutions-APIG3',
      reason: 'A WAF web ACL is an account-level choice; operators associate theirs with the stage (see README, Deploying).',
    },
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: "API Gateway's account logging role uses AWS's own AmazonAPIGatewayPushToCloudWatchLogs policy, which CDK attaches.",
    },
  );
}

class ControlPlaneApi extends Construct {
  readonly api: RestApi;

  constructor(scope: Construct, id: string, props: ControlPlaneApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.THREE_MONTHS,
      removalPolicy: props.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.api = new RestApi(this, 'Api', {
      // A name per stage: API Gateway metrics are keyed by API name.
      restApiName: `b3iq-${props.stage}`,
      description: 'B3IQ private inference control plane',
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.DESTROY,
      deployOptions: {
        stageName: props.stage,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: MethodLoggingLevel.ERROR,
        // Never log bodies or headers: they carry tokens and envelopes.
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
      },
    });

    const integrations = new Map<ApiFunction, LambdaIntegration>();
    const integration = (name: ApiFunction) => {
      let found = integrations.get(name);
      if (found === undefined) {
        found = new LambdaIntegration(props.functions[name]);
        integrations.set(name, found);
      }
      return found;
    };
    const fallback = integration(FALLBACK_FUNCTION);
    for (const route of API_ROUTES) {
      this.api.root.resourceForPath(route.path).addMethod(route.method, integration(route.function));
    }
    for (const path of new Set(API_ROUTES.map((route) => route.path))) {
      this.api.root.resourceForPath(path).addMethod('ANY', fallback);
    }
    this.api.root.addMethod('ANY', fallback);
    this.api.root.addResource('{proxy+}').addMethod('ANY', fallback);

    for (const [type, code, detail] of GATEWAY_PROBLEMS) {
      const { status, title } = PROBLEMS[code];
      this.api.addGatewayResponse(`Problem${type.responseType}`, {
        type,
        statusCode: String(status),
        responseHeaders: { 'Content-Type': "'application/json'" },
        templates: { 'application/json': JSON.stringify({ error: { status, title, detail, code } }) },
      });
    }

    acknowledgeApiFindings(this.api);
    const stack = Stack.of(this);
    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the API, without a trailing slash',
      value: `https://${this.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${props.stage}`,
      key: 'ApiUrl',
    });
    new CfnOutput(this, 'RestApiId', { value: this.api.restApiId, key: 'RestApiId' });
    new CfnOutput(this, 'StageName', { value: props.stage, key: 'StageName' });
  }
}

export { ControlPlaneApi };
