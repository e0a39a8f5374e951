/**
 * The admin token lives in Secrets Manager. Its hash is read at most once per `refreshMs`, so a
 * rotated token takes effect within that time without a redeploy; the token itself is dropped
 * as soon as it is hashed.
 */

import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { hashToken } from '../domain/customer-token.js';
import type { AdminToken } from '../services/ports/outside.js';
import { AsyncCache } from './async-cache.js';

class AdminTokenSource implements AdminToken {
  readonly kind = 'token';
  readonly #client: SecretsManagerClient;
  readonly #secretId: string;
  readonly #hash: AsyncCache<'admin', string>;

  constructor(client: SecretsManagerClient, secretId: string, refreshMs = 5 * 60_000) {
    this.#client = client;
    this.#secretId = secretId;
    this.#hash = new AsyncCache(() => this.#read(), refreshMs);
  }

  tokenHash(now = Date.now()): Promise<string> {
    return this.#hash.get('admin', now);
  }

  async #read(): Promise<string> {
    const result = await this.#client.send(new GetSecretValueCommand({ SecretId: this.#secretId }));
    if (result.SecretString === undefined || result.SecretString.length === 0) throw new Error('the admin token secret is empty');
    return hashToken(result.SecretString);
  }
}

export { AdminTokenSource };
