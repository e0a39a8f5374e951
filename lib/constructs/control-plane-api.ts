/**
 * The REST API. Its routes come from the same table the Lambdas dispatch on; every known path
 * also has an ANY method and every other path a catch-all, both answered by the fallback function
 * with the contract's 405 or 404 problem. Gateway-made errors use the same problem shape.
 * With `adminAuth` `iam`, every method under `/v1/admin` (the fallbacks too) needs an AWS SigV4
 * signature that API Gateway checks, and operators get a managed policy allowing exactly that path.
 */
import { type CfnElement, CfnOutput, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  type MethodOptions,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PROBLEMS, type ProblemCode } from '../../lambdas/domain/problems.js';
import { API_ROUTES, type ApiFunction, FALLBACK_FUNCTION } from '../../lambdas/http/routes.js';
import type { AdminAuth } from '../config.js';

interface ControlPlaneApiProps {
  stage: string;
  /** `iam`: SigV4 on every method under `/v1/admin`; `token`: the Lambda checks X-B3IQ-Admin-Token. */
  adminAuth: AdminAuth;
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

/**
 * With IAM on the admin API, the gateway's own refusals of a SigV4 call. An unsigned call to an IAM
 * method is MISSING_AUTHENTICATION_TOKEN on AWS, the type an unknown route would get without this
 * API's catch-all `{proxy+}` methods; with them no route is unknown to the gateway, so here it
 * answers what a missing admin token answers: 401 `unauthorized`. A signed call whose identity may
 * not invoke the route is 403 `forbidden`. DEFAULT_4XX covers the rest (e.g. a malformed
 * Authorization header, IncompleteSignatureException on AWS).
 */
const IAM_GATEWAY_PROBLEMS: [ResponseType, ProblemCode, string][] = [
  [
    ResponseType.MISSING_AUTHENTICATION_TOKEN,
    'unauthorized',
    'sign admin requests with AWS Signature Version 4 (see README, Calling the admin API)',
  ],
  [ResponseType.INVALID_SIGNATURE, 'unauthorized', 'the AWS Signature Version 4 of the request does not verify'],
  [ResponseType.EXPIRED_TOKEN, 'unauthorized', 'the AWS credentials that signed the request have expired'],
  [ResponseType.UNAUTHORIZED, 'unauthorized', 'sign admin requests with AWS Signature Version 4 (see README, Calling the admin API)'],
  [ResponseType.ACCESS_DENIED, 'forbidden', 'this AWS identity is not allowed execute-api:Invoke on the route'],
  [ResponseType.DEFAULT_4XX, 'forbidden', 'the gateway refused the request (for the admin API: a malformed AWS signature)'],
];

/** Everything under `/v1/admin`, including the paths admin routes added later will have. */
const ADMIN_PATH = '/v1/admin';
const isAdminPath = (path: string): boolean => path === ADMIN_PATH || path.startsWith(`${ADMIN_PATH}/`);

/** Findings that follow from the contract, each with its reason. */
function acknowledgeApiFindings(api: RestApi, adminAuth: AdminAuth): void {
  const admin =
    adminAuth === 'iam'
      ? 'Admin methods (/v1/admin/*) use IAM authorization (SigV4). '
      : 'Admin methods use X-B3IQ-Admin-Token on this stage (adminAuth=token: dev and the local emulator; IAM elsewhere). ';
  const credentials =
    admin +
    'Customer and node methods authenticate with the headers the public contract fixes (X-B3IQ-Customer-ID/Token, the node signature); ' +
    'the Lambda checks them against stored hashes or enrolled keys in constant time and in the contract order of checks. ' +
    'Cognito or IAM authorization on them would change the public API.';
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
  /** With `adminAuth` `iam`: `execute-api:Invoke` on `/v1/admin/*` of this stage, for operators. */
  readonly adminInvokePolicy: ManagedPolicy | undefined;

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
    const iam = props.adminAuth === 'iam';
    // By path, so that every method under /v1/admin gets it, fallbacks and routes added later included.
    const authorization = (path: string): MethodOptions => (iam && isAdminPath(path) ? { authorizationType: AuthorizationType.IAM } : {});
    for (const route of API_ROUTES) {
      this.api.root.resourceForPath(route.path).addMethod(route.method, integration(route.function), authorization(route.path));
    }
    for (const path of new Set(API_ROUTES.map((route) => route.path))) {
      this.api.root.resourceForPath(path).addMethod('ANY', fallback, authorization(path));
    }
    this.api.root.addMethod('ANY', fallback);
    this.api.root.addResource('{proxy+}').addMethod('ANY', fallback);
    if (iam) {
      // An unknown path under /v1/admin would otherwise fall through to the open root catch-all.
      const adminCatchAll = `${ADMIN_PATH}/{proxy+}`;
      this.api.root.resourceForPath(adminCatchAll).addMethod('ANY', fallback, authorization(adminCatchAll));
    }

    const gatewayProblems = iam
      ? [...GATEWAY_PROBLEMS.filter(([type]) => type !== ResponseType.MISSING_AUTHENTICATION_TOKEN), ...IAM_GATEWAY_PROBLEMS]
      : GATEWAY_PROBLEMS;
    for (const [type, code, detail] of gatewayProblems) {
      const { status, title } = PROBLEMS[code];
      this.api.addGatewayResponse(`Problem${type.responseType}`, {
        type,
        statusCode: String(status),
        responseHeaders: { 'Content-Type': "'application/json'" },
        templates: { 'application/json': JSON.stringify({ error: { status, title, detail, code } }) },
      });
    }

    acknowledgeApiFindings(this.api, props.adminAuth);
    const stack = Stack.of(this);
    if (iam) {
      this.adminInvokePolicy = new ManagedPolicy(this, 'AdminInvokePolicy', {
        description: `Lets an operator call the B3IQ admin API (/v1/admin/*) of stage ${props.stage}, signed with their own AWS credentials`,
        statements: [
          new PolicyStatement({
            actions: ['execute-api:Invoke'],
            resources: [this.api.arnForExecuteApi('*', `${ADMIN_PATH}/*`, props.stage)],
          }),
        ],
      });
      // cdk-nag names the ARN as rendered: literals where the stack's environment is known.
      const shown = (value: string, placeholder: string) => (Token.isUnresolved(value) ? placeholder : value);
      const apiId = stack.getLogicalId(this.api.node.defaultChild as CfnElement);
      Validations.of(this.adminInvokePolicy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:${shown(stack.partition, '<AWS::Partition>')}:execute-api:${shown(stack.region, '<AWS::Region>')}:${shown(stack.account, '<AWS::AccountId>')}:<${apiId}>/${props.stage}/*${ADMIN_PATH}/*]`,
        reason: 'Every method of every admin route of this one stage, and nothing else: the admin API is one operator permission.',
      });
      new CfnOutput(this, 'AdminInvokePolicyArn', {
        description: 'Attach to operators (users or roles) who call the admin API with SigV4',
        value: this.adminInvokePolicy.managedPolicyArn,
        key: 'AdminInvokePolicyArn',
      });
    }
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
