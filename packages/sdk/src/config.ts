/**
 * Client configuration from the environment, as the CLI reads it:
 * `B3IQ_API_URL`, `B3IQ_CUSTOMER_ID`, `B3IQ_CUSTOMER_TOKEN_FILE` (a file holding the token; the
 * token itself is never taken from an argument or a variable), optional `B3IQ_DIRECTORY_KEY`
 * (the key directory to pin; it wins over the pins in `~/.b3iq/known-keys.json`) and `B3IQ_KEY_DIR` (where request secrets wait, default
 * `~/.b3iq/job-keys`). What they leave unset comes from `.b3iq/local.json`, looked up from the
 * working directory upwards, which `npm run dev` writes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { B3iqConfigError } from './errors.js';

interface ClientConfig {
  apiUrl: string;
  customerId: string;
  customerToken: string;
  pinnedDirectoryKey: string | undefined;
  keyDirectory: string;
  /** Where each setting came from, for messages (never the token). */
  source: string;
}

interface LocalJson {
  api_url?: string;
  demo?: { customer_id?: string; customer_token?: string };
}

function findLocalJson(from: string): string | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, '.b3iq', 'local.json');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function readToken(file: string): string {
  try {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length === 0) throw new B3iqConfigError(`B3IQ_CUSTOMER_TOKEN_FILE ${file} is empty`);
    return token;
  } catch (error) {
    if (error instanceof B3iqConfigError) throw error;
    throw new B3iqConfigError(`cannot read B3IQ_CUSTOMER_TOKEN_FILE ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

function clientConfigFromEnvironment(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ClientConfig {
  const localFile = env.B3IQ_API_URL && env.B3IQ_CUSTOMER_ID && env.B3IQ_CUSTOMER_TOKEN_FILE ? undefined : findLocalJson(cwd);
  const local: LocalJson = localFile === undefined ? {} : (JSON.parse(readFileSync(localFile, 'utf8')) as LocalJson);
  const apiUrl = env.B3IQ_API_URL || local.api_url;
  const customerId = env.B3IQ_CUSTOMER_ID || local.demo?.customer_id;
  const customerToken = env.B3IQ_CUSTOMER_TOKEN_FILE ? readToken(env.B3IQ_CUSTOMER_TOKEN_FILE) : local.demo?.customer_token;
  const missing = [
    apiUrl ? undefined : 'B3IQ_API_URL',
    customerId ? undefined : 'B3IQ_CUSTOMER_ID',
    customerToken ? undefined : 'B3IQ_CUSTOMER_TOKEN_FILE',
  ].filter((name) => name !== undefined);
  if (missing.length > 0 || !apiUrl || !customerId || !customerToken) {
    throw new B3iqConfigError(`set ${missing.join(', ')} (or run \`npm run dev\`, which writes .b3iq/local.json for the local stack)`);
  }
  return {
    apiUrl: apiUrl.replace(/\/+$/, ''),
    customerId,
    customerToken,
    pinnedDirectoryKey: env.B3IQ_DIRECTORY_KEY || undefined,
    keyDirectory: env.B3IQ_KEY_DIR || path.join(homedir(), '.b3iq', 'job-keys'),
    source: localFile === undefined ? 'environment' : `environment and ${localFile}`,
  };
}

export type { ClientConfig };
export { clientConfigFromEnvironment };
