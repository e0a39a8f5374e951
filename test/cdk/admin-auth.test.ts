/**
 * How admin callers authenticate, per stage: AWS IAM (SigV4, checked by API Gateway) on every method
 * under /v1/admin by default outside `dev`, the X-B3IQ-Admin-Token in `dev`, either one by
 * `-c adminAuth=`. In IAM mode there is no admin token secret, the admin function cannot read one,
 * and operators get a managed policy allowing execute-api:Invoke on exactly the admin path.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../lambdas/http/routes.js';
import { stageConfig } from '../../lib/config.js';
import {
  actionCovers,
  apiMethods,
  asList,
  newApp,
  render,
  resourceByPrefix,
  resourcesOfType,
  synthesizeOnce,
  templateJson,
} from './support/synth.js';

const CONFIGURATIONS = [
  { case: 'dev', context: { stage: 'dev' }, adminAuth: 'token' },
  { case: 'prod', context: { stage: 'prod' }, adminAuth: 'iam' },
  { case: 'dev, -c adminAuth=iam', context: { stage: 'dev', adminAuth: 'iam' }, adminAuth: 'iam' },
  { case: 'prod, -c adminAuth=token', context: { stage: 'prod', adminAuth: 'token' }, adminAuth: 'token' },
] as const;

const synthesized = synthesizeOnce(CONFIGURATIONS);

const isAdminPath = (path: string) => path === '/v1/admin' || path.startsWith('/v1/admin/');

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every statement of the policies attached to the admin function's role. */
function adminRoleStatements(template: Template): Statement[] {
  const [, fn] = resourceByPrefix(template, 'AWS::Lambda::Function', 'AdminFunction');
  const role = render(fn.Properties?.Role).replace(/^\$\{(.*)\.Arn\}$/, '$1');
  return resourcesOfType(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => asList(policy.Properties?.Roles as unknown[]).some((ref) => render(ref) === `\${${role}}`))
    .flatMap(([, policy]) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
}

describe('-c adminAuth', () => {
  const configOf = (context: Record<string, string>) => stageConfig(newApp(context).node);

  it.each<{ context: Record<string, string>; adminAuth: string }>([
    { context: { stage: 'dev' }, adminAuth: 'token' },
    { context: { stage: 'prod' }, adminAuth: 'iam' },
    { context: { stage: 'test' }, adminAuth: 'iam' },
    { context: { stage: 'dev', adminAuth: 'iam' }, adminAuth: 'iam' },
    { context: { stage: 'prod', adminAuth: 'token' }, adminAuth: 'token' },
  ])('is $adminAuth for $context', ({ context, adminAuth }) => {
    expect(configOf(context).adminAuth).toBe(adminAuth);
  });

  it.each(['IAM', 'sigv4', ''])('refuses adminAuth=%s, naming the allowed values', (value) => {
    expect(() => configOf({ stage: 'prod', adminAuth: value })).toThrow(/adminAuth=.* must be "iam" .* or "token"/);
  });

  it('refuses an admin token secret with IAM authorization (there is no admin token then)', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:b3iq-admin-AbCdEf';
    expect(() => configOf({ stage: 'prod', adminTokenSecretArn: arn })).toThrow(/adminTokenSecretArn is used only with adminAuth=token/);
    expect(configOf({ stage: 'prod', adminAuth: 'token', adminTokenSecretArn: arn }).adminTokenSecretArn).toBe(arn);
  });
});

describe.each(CONFIGURATIONS.map(({ case: name, adminAuth }) => ({ case: name, adminAuth })))(
  'admin authorization ($case: $adminAuth)',
  ({ case: name, adminAuth }) => {
    it(`gives every method under /v1/admin authorization ${adminAuth === 'iam' ? 'AWS_IAM' : 'NONE'}, fallbacks included`, () => {
      const admin = apiMethods(synthesized(name).template).filter((method) => isAdminPath(method.path));
      // Not vacuous: each admin route, and its path's ANY fallback.
      for (const route of API_ROUTES.filter((candidate) => isAdminPath(candidate.path))) {
        expect(admin.filter((method) => method.path === route.path && method.httpMethod === route.method)).toHaveLength(1);
        expect(admin.filter((method) => method.path === route.path && method.httpMethod === 'ANY')).toHaveLength(1);
      }
      for (const method of admin) {
        expect({ method: `${method.httpMethod} ${method.path}`, authorization: method.authorizationType }).toEqual({
          method: `${method.httpMethod} ${method.path}`,
          authorization: adminAuth === 'iam' ? 'AWS_IAM' : 'NONE',
        });
      }
      // In IAM mode an unknown admin path is caught under /v1/admin, not by the open root catch-all.
      expect(admin.some((method) => method.path === '/v1/admin/{proxy+}')).toBe(adminAuth === 'iam');
    });

    it('leaves every customer, node and fallback method outside /v1/admin without gateway authorization', () => {
      const others = apiMethods(synthesized(name).template).filter((method) => !isAdminPath(method.path));
      expect(others.map((method) => method.path)).toEqual(expect.arrayContaining(['/v1/private-inference/jobs', '/{proxy+}', '/']));
      for (const method of others)
        expect([method.httpMethod, method.path, method.authorizationType]).toEqual([method.httpMethod, method.path, 'NONE']);
    });

    it(`${adminAuth === 'token' ? 'has' : 'has no'} admin token secret, and tells the admin function which authorization it has`, () => {
      const { template } = synthesized(name);
      expect(resourcesOfType(template, 'AWS::SecretsManager::Secret')).toHaveLength(adminAuth === 'token' ? 1 : 0);
      const [, fn] = resourceByPrefix(template, 'AWS::Lambda::Function', 'AdminFunction');
      const variables = (fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables.ADMIN_AUTH).toBe(adminAuth);
      expect('ADMIN_TOKEN_SECRET_ARN' in variables).toBe(adminAuth === 'token');
      expect('AdminTokenSecretArn' in (templateJson(template).Outputs ?? {})).toBe(adminAuth === 'token');
    });

    if (adminAuth === 'token') {
      it(`${name.startsWith('prod') ? 'retains' : 'deletes'} the admin token secret with the stack`, () => {
        const [, secret] = resourceByPrefix(synthesized(name).template, 'AWS::SecretsManager::Secret', 'AdminToken');
        const policy = name.startsWith('prod') ? 'Retain' : 'Delete';
        expect([secret.DeletionPolicy, secret.UpdateReplacePolicy]).toEqual([policy, policy]);
      });
    }

    it(`${adminAuth === 'token' ? 'lets' : 'does not let'} the admin function read a secret`, () => {
      const reads = adminRoleStatements(synthesized(name).template).filter(
        (statement) =>
          statement.Effect === 'Allow' && asList(statement.Action).some((action) => actionCovers(action, 'secretsmanager:GetSecretValue')),
      );
      expect(reads).toHaveLength(adminAuth === 'token' ? 1 : 0);
      const anySecretsManager = adminRoleStatements(synthesized(name).template).filter((statement) =>
        asList(statement.Action).some((action) => action.toLowerCase().startsWith('secretsmanager:') || action === '*'),
      );
      if (adminAuth === 'iam') expect(anySecretsManager).toEqual([]);
    });

    it(`${adminAuth === 'iam' ? 'gives' : 'gives no'} operators a policy to invoke exactly /v1/admin/* of the stage`, () => {
      const { template, config } = synthesized(name);
      const policies = resourcesOfType(template, 'AWS::IAM::ManagedPolicy');
      const outputs = templateJson(template).Outputs ?? {};
      if (adminAuth === 'token') {
        expect(policies).toEqual([]);
        expect(outputs.AdminInvokePolicyArn).toBeUndefined();
        return;
      }
      expect(policies).toHaveLength(1);
      const [policyId, policy] = policies[0]!;
      // Attached to no one here: operators attach it to their own users or roles.
      expect([policy.Properties?.Roles, policy.Properties?.Users, policy.Properties?.Groups]).toEqual([undefined, undefined, undefined]);
      const [apiId] = resourceByPrefix(template, 'AWS::ApiGateway::RestApi', 'ControlPlaneApi');
      const statements = (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
      expect(statements.map((statement) => ({ ...statement, Resource: render(statement.Resource) }))).toEqual([
        {
          Effect: 'Allow',
          Action: 'execute-api:Invoke',
          Resource: `arn:aws:execute-api:eu-west-1:111111111111:\${${apiId}}/${config.stage}/*/v1/admin/*`,
        },
      ]);
      expect(outputs.AdminInvokePolicyArn?.Value).toEqual({ Ref: policyId });
    });

    const refusals =
      adminAuth === 'iam'
        ? [
            { type: 'MISSING_AUTHENTICATION_TOKEN', status: 401, code: 'unauthorized' },
            { type: 'INVALID_SIGNATURE', status: 401, code: 'unauthorized' },
            { type: 'EXPIRED_TOKEN', status: 401, code: 'unauthorized' },
            { type: 'UNAUTHORIZED', status: 401, code: 'unauthorized' },
            { type: 'ACCESS_DENIED', status: 403, code: 'forbidden' },
            { type: 'DEFAULT_4XX', status: 403, code: 'forbidden' },
          ]
        : [{ type: 'MISSING_AUTHENTICATION_TOKEN', status: 404, code: 'not_found' }];
    it(`has ${adminAuth === 'iam' ? 12 : 7} gateway responses, one per response type`, () => {
      const types = resourcesOfType(synthesized(name).template, 'AWS::ApiGateway::GatewayResponse').map(
        ([, response]) => response.Properties?.ResponseType,
      );
      expect(new Set(types).size).toBe(types.length);
      expect(types).toHaveLength(adminAuth === 'iam' ? 12 : 7);
    });

    it.each(refusals)('answers the gateway refusal $type as $status $code in the problem shape', ({ type, status, code }) => {
      const found = resourcesOfType(synthesized(name).template, 'AWS::ApiGateway::GatewayResponse').filter(
        ([, response]) => response.Properties?.ResponseType === type,
      );
      expect(found).toHaveLength(1);
      const properties = found[0]![1].Properties!;
      expect(properties.StatusCode).toBe(String(status));
      const body = JSON.parse((properties.ResponseTemplates as Record<string, string>)['application/json']!) as unknown;
      expect(body).toEqual({ error: { status, title: expect.any(String), detail: expect.any(String), code } });
    });
  },
);
