import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientConfigFromEnvironment } from '../../../packages/sdk/src/config.js';
import { B3iqConfigError } from '../../../packages/sdk/src/errors.js';

function project(local?: object): { root: string; nested: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'b3iq-config-'));
  const nested = path.join(root, 'a', 'b');
  mkdirSync(nested, { recursive: true });
  if (local !== undefined) {
    mkdirSync(path.join(root, '.b3iq'));
    writeFileSync(path.join(root, '.b3iq', 'local.json'), JSON.stringify(local));
  }
  return { root, nested };
}

function tokenFile(content: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'b3iq-token-')), 'token');
  writeFileSync(file, content, { mode: 0o600 });
  return file;
}

const LOCAL = { api_url: 'http://127.0.0.1:4566/api/', demo: { customer_id: 'demo', customer_token: 'local-token' } };

describe('clientConfigFromEnvironment', () => {
  it('reads the three variables, the token from its file, trimmed', () => {
    // Prepare
    const env = { B3IQ_API_URL: 'https://api.example/prod/', B3IQ_CUSTOMER_ID: 'cus-1', B3IQ_CUSTOMER_TOKEN_FILE: tokenFile('secret\n') };

    // Act
    const config = clientConfigFromEnvironment(env, project().nested);

    // Assess
    expect(config).toMatchObject({
      apiUrl: 'https://api.example/prod',
      customerId: 'cus-1',
      customerToken: 'secret',
      source: 'environment',
    });
  });

  it('falls back to .b3iq/local.json in a parent folder', () => {
    const { root, nested } = project(LOCAL);

    const config = clientConfigFromEnvironment({}, nested);

    expect(config).toMatchObject({ apiUrl: 'http://127.0.0.1:4566/api', customerId: 'demo', customerToken: 'local-token' });
    expect(config.source).toContain(path.join(root, '.b3iq', 'local.json'));
  });

  it('lets each variable override local.json', () => {
    const { nested } = project(LOCAL);

    const config = clientConfigFromEnvironment({ B3IQ_CUSTOMER_ID: 'other', B3IQ_CUSTOMER_TOKEN_FILE: tokenFile('t2') }, nested);

    expect(config).toMatchObject({ apiUrl: 'http://127.0.0.1:4566/api', customerId: 'other', customerToken: 't2' });
  });

  it('pins the directory key and places the key store as configured', () => {
    const env = { B3IQ_DIRECTORY_KEY: 'MFkw', B3IQ_KEY_DIR: '/tmp/keys' };

    const config = clientConfigFromEnvironment(env, project(LOCAL).nested);

    expect(config).toMatchObject({ pinnedDirectoryKey: 'MFkw', keyDirectory: '/tmp/keys' });
  });

  it.each([
    { case: 'nothing set and no local.json', env: {}, says: 'B3IQ_API_URL, B3IQ_CUSTOMER_ID, B3IQ_CUSTOMER_TOKEN_FILE' },
    { case: 'an empty token file', env: { B3IQ_CUSTOMER_TOKEN_FILE: tokenFile('  \n') }, says: 'is empty' },
    { case: 'a missing token file', env: { B3IQ_CUSTOMER_TOKEN_FILE: '/nonexistent/token' }, says: 'cannot read' },
  ])('throws B3iqConfigError for $case', ({ env, says }) => {
    const act = () => clientConfigFromEnvironment(env, project().nested);

    expect(act).toThrow(B3iqConfigError);
    expect(act).toThrow(says);
  });
});
