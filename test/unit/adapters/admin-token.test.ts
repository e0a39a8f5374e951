import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it, vi } from 'vitest';
import { AdminTokenSource } from '../../../lambdas/adapters/admin-token.js';
import { hashToken } from '../../../lambdas/domain/customer-token.js';

const SECRET_ID = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:admin-token';

/** A Secrets Manager client that answers the given results (or throws the given errors) in turn. */
function stubClient(...results: ({ SecretString?: string } | Error)[]) {
  const send = vi.fn(async (_command: GetSecretValueCommand) => {
    const next = results.shift();
    if (next === undefined) throw new Error('no more answers');
    if (next instanceof Error) throw next;
    return next;
  });
  return { client: { send } as unknown as SecretsManagerClient, send };
}

describe('AdminTokenSource', () => {
  it('answers the hash of the secret, never the token (hash)', async () => {
    // Prepare
    const { client, send } = stubClient({ SecretString: 'admin-token-1' });
    const source = new AdminTokenSource(client, SECRET_ID);

    // Act
    const hash = await source.tokenHash(0);

    // Assess
    expect(hash).toBe(hashToken('admin-token-1'));
    expect(hash).not.toContain('admin-token-1');
    const command = send.mock.calls[0]?.[0];
    expect(command).toBeInstanceOf(GetSecretValueCommand);
    expect(command?.input).toEqual({ SecretId: SECRET_ID });
  });

  it('reads the secret at most once per refresh period, then picks up a rotated token (rotation)', async () => {
    // Prepare
    const { client, send } = stubClient({ SecretString: 'before' }, { SecretString: 'after' });
    const source = new AdminTokenSource(client, SECRET_ID, 60_000);

    // Act
    const first = await source.tokenHash(0);
    const withinPeriod = await Promise.all([source.tokenHash(1), source.tokenHash(60_000)]);
    const afterPeriod = await source.tokenHash(60_001);

    // Assess
    expect(first).toBe(hashToken('before'));
    expect(withinPeriod).toEqual([hashToken('before'), hashToken('before')]);
    expect(afterPeriod).toBe(hashToken('after'));
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('refreshes every five minutes by default (default period)', async () => {
    // Prepare
    const { client, send } = stubClient({ SecretString: 'before' }, { SecretString: 'after' });
    const source = new AdminTokenSource(client, SECRET_ID);

    // Act
    await source.tokenHash(0);
    const atFiveMinutes = await source.tokenHash(300_000);
    const justAfter = await source.tokenHash(300_001);

    // Assess
    expect(atFiveMinutes).toBe(hashToken('before'));
    expect(justAfter).toBe(hashToken('after'));
    expect(send).toHaveBeenCalledTimes(2);
  });

  it.each([
    { case: 'empty string', result: { SecretString: '' } },
    { case: 'binary secret', result: {} },
  ])('refuses an empty secret, and reads it again on the next call ($case)', async ({ result }) => {
    // Prepare
    const { client, send } = stubClient(result, { SecretString: 'set-later' });
    const source = new AdminTokenSource(client, SECRET_ID);

    // Act
    const refused = source.tokenHash(0);
    await expect(refused).rejects.toThrow('the admin token secret is empty');
    const next = await source.tokenHash(1);

    // Assess
    expect(next).toBe(hashToken('set-later'));
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('passes a Secrets Manager failure on, and reads again on the next call (outage)', async () => {
    // Prepare
    const outage = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const { client, send } = stubClient(outage, { SecretString: 'token' });
    const source = new AdminTokenSource(client, SECRET_ID);

    // Act
    await expect(source.tokenHash(0)).rejects.toBe(outage);
    const next = await source.tokenHash(0);

    // Assess
    expect(next).toBe(hashToken('token'));
    expect(send).toHaveBeenCalledTimes(2);
  });
});
