#!/usr/bin/env node
/**
 * `b3iq-node`: the reference node agent. `init` makes the node's keys and prints the enrollment
 * body for the admin API; `run` answers the node's commands until SIGINT/SIGTERM. Secrets stay in
 * the key file; errors go to stderr with what to do next, and the exit code says what kind of
 * failure it was (see `b3iq-node --help`).
 */
import { readFile } from 'node:fs/promises';
import { apiUrlProblem, B3iqApiError, describeRefusal, runCommandLine, UsageError, type Values } from '@b3iq/protocol';
import { NodeAgent } from './agent.js';
import { echoBackend, type InferenceBackend, openAiBackend } from './backends.js';
import { addTransportKey, createKeyFile, DEFAULT_KEY_FILE, enrollmentBody, KeyFileError, loadKeyFile, type NodeKeys } from './key-file.js';

const EXIT = {
  ok: 0,
  /** The control plane refused the node: not enrolled, a bad signature, or the wrong URL. */
  refused: 1,
  usage: 2,
  /** The key file, API URL or backend settings are missing or wrong. */
  config: 3,
  /** A second SIGINT/SIGTERM: stopped at once, without giving leases back. */
  interrupted: 130,
} as const;

const USAGE = `b3iq-node: the B3IQ private inference node agent

Usage:
  b3iq-node init --node-id ID [--key-file FILE] [--key-id ID]
      Creates the key file (never overwrites one) and prints the body of
      PUT /v1/admin/nodes/{node_id}; set its models and prices before enrolling.
  b3iq-node add-key --key-id ID [--key-file FILE]
      Adds a transport key (rotation) and prints the new enrollment body.
      Old keys stay in the file, so requests sealed to them still open.
  b3iq-node enrollment [--key-file FILE]
      Prints the enrollment body for the keys in the file.
  b3iq-node run --api-url URL [--key-file FILE] [--concurrency N] [--backend echo|openai]
                [--base-url URL] [--api-key-file FILE] [--lease-seconds N] [--grace-seconds N]
      Answers the node's commands until SIGINT/SIGTERM, then finishes or gives back
      the work in flight and exits 0.

Options:
  --key-file FILE       the node's keys (default ~/.b3iq/node-keys.json, or B3IQ_NODE_KEY_FILE)
  --api-url URL         the control plane's base URL, stage included (or B3IQ_API_URL);
                        https://, or http:// only to this machine (localhost, 127.0.0.0/8, [::1])
  --concurrency N       commands worked on at once (default 2)
  --backend echo        answers the last user message verbatim (default)
  --backend openai      an OpenAI-compatible server at --base-url, e.g. http://127.0.0.1:11434/v1
  --api-key-file FILE   the backend's bearer token, read from FILE (never from the command line)
  --lease-seconds N     lease asked for each command, extended every third of it (default 120)
  --grace-seconds N     how long a stop lets work in flight finish (default 20)
  --help                this text

Secret keys are never printed. Logs: one line per command on stderr (id, outcome, ms);
never plaintext, keys or envelopes.

Exit codes:
  0 ok · 1 refused by the control plane · 2 usage · 3 configuration
  130 stopped by a second signal without giving leases back
`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  'node-id': { type: 'string' },
  'key-file': { type: 'string' },
  'key-id': { type: 'string' },
  'api-url': { type: 'string' },
  concurrency: { type: 'string' },
  backend: { type: 'string' },
  'base-url': { type: 'string' },
  'api-key-file': { type: 'string' },
  'lease-seconds': { type: 'string' },
  'grace-seconds': { type: 'string' },
} as const;

type Options = Values<typeof OPTIONS>;

class ConfigError extends Error {}

function keyFile(values: Options): string {
  return values['key-file'] ?? process.env.B3IQ_NODE_KEY_FILE ?? DEFAULT_KEY_FILE;
}

function integer(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!/^[0-9]+$/.test(value) || parsed < min || parsed > max) throw new UsageError(`${name} takes an integer from ${min} to ${max}`);
  return parsed;
}

function printEnrollment(keys: NodeKeys, file: string, intro: string): void {
  process.stdout.write(`${JSON.stringify(enrollmentBody(keys), null, 2)}\n`);
  process.stderr.write(
    `${intro} ${file}\n` +
      `next: set "models" (model_id and price_wei) in the body above, then enroll it with\n` +
      `  PUT /v1/admin/nodes/${keys.nodeId}   (admin credentials)\n` +
      `and start the agent: b3iq-node run --api-url URL --key-file ${file}\n`,
  );
}

async function backendFrom(values: Options): Promise<InferenceBackend> {
  const kind = values.backend ?? 'echo';
  if (kind === 'echo') return echoBackend;
  if (kind !== 'openai') throw new UsageError(`--backend is echo or openai, not "${kind}"`);
  const baseUrl = values['base-url'];
  if (baseUrl === undefined) throw new UsageError('--backend openai needs --base-url, e.g. http://127.0.0.1:11434/v1 for Ollama');
  try {
    new URL(baseUrl);
  } catch {
    throw new UsageError(`--base-url "${baseUrl}" is not a URL`);
  }
  let apiKey: string | undefined;
  if (values['api-key-file'] !== undefined) {
    try {
      apiKey = (await readFile(values['api-key-file'], 'utf8')).trim();
    } catch (error) {
      throw new ConfigError(`cannot read --api-key-file ${values['api-key-file']} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return openAiBackend({ baseUrl, ...(apiKey ? { apiKey } : {}) });
}

async function runAgent(values: Options): Promise<number> {
  const apiUrl = values['api-url'] ?? process.env.B3IQ_API_URL;
  if (apiUrl === undefined || apiUrl.length === 0) throw new ConfigError('no API URL; pass --api-url URL or set B3IQ_API_URL');
  const problem = apiUrlProblem(apiUrl);
  if (problem !== undefined) throw new ConfigError(`--api-url: ${problem}`);
  const concurrency = integer(values.concurrency, '--concurrency', 2, 1, 100);
  const leaseSeconds = integer(values['lease-seconds'], '--lease-seconds', 120, 10, 43_200);
  const graceSeconds = integer(values['grace-seconds'], '--grace-seconds', 20, 0, 3_600);
  const backend = await backendFrom(values);
  const file = keyFile(values);
  const keys = await loadKeyFile(file);
  const agent = new NodeAgent({
    apiUrl,
    keys,
    backend,
    concurrency,
    leaseSeconds,
    graceMs: graceSeconds * 1000,
    onPolling: () =>
      process.stderr.write(
        `b3iq-node: node ${keys.nodeId} polling ${apiUrl} (concurrency ${concurrency}, backend ${values.backend ?? 'echo'})\n`,
      ),
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      process.stderr.write(`b3iq-node: ${signal} again; exiting now, leases end on their own\n`);
      process.exit(EXIT.interrupted);
    }
    process.stderr.write(
      `b3iq-node: ${signal}; stopping (${agent.inFlight} in flight, up to ${graceSeconds} s grace; send again to exit at once)\n`,
    );
    void agent.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await agent.run();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  process.stderr.write('b3iq-node: stopped\n');
  return EXIT.ok;
}

async function run(command: string | undefined, values: Options): Promise<number> {
  switch (command) {
    case 'init': {
      const nodeId = values['node-id'];
      if (nodeId === undefined) throw new UsageError('init needs --node-id ID (the id the node will be enrolled under)');
      const file = keyFile(values);
      const keys = await createKeyFile(file, { nodeId, ...(values['key-id'] === undefined ? {} : { keyId: values['key-id'] }) });
      printEnrollment(keys, file, 'b3iq-node: keys written to');
      return EXIT.ok;
    }
    case 'add-key': {
      const keyId = values['key-id'];
      if (keyId === undefined) throw new UsageError('add-key needs --key-id ID');
      const file = keyFile(values);
      printEnrollment(await addTransportKey(file, keyId), file, `b3iq-node: transport key ${keyId} added to`);
      return EXIT.ok;
    }
    case 'enrollment': {
      const file = keyFile(values);
      printEnrollment(await loadKeyFile(file), file, 'b3iq-node: keys in');
      return EXIT.ok;
    }
    case 'run':
      return runAgent(values);
    default:
      throw new UsageError(command === undefined ? 'name a command' : `unknown command "${command}"`);
  }
}

function explain(error: unknown): { message: string; exitCode: number } {
  if (error instanceof ConfigError || error instanceof KeyFileError) return { message: error.message, exitCode: EXIT.config };
  if (error instanceof B3iqApiError) {
    return {
      message: describeRefusal(error, {
        invalid_signature: 'enroll the node with the body from `b3iq-node enrollment` (PUT /v1/admin/nodes/{node_id}), and check the clock',
        forbidden: 'the key file names another node than the URL; check --key-file',
        not_found: 'check --api-url: it must be the API base URL with its stage',
        unknown_error: 'check --api-url: it must be the B3IQ API base URL with its stage',
      }),
      exitCode: EXIT.refused,
    };
  }
  return { message: `unexpected error: ${error instanceof Error ? error.message : String(error)}`, exitCode: 1 };
}

process.exitCode = await runCommandLine(
  {
    name: 'b3iq-node',
    usage: USAGE,
    options: OPTIONS,
    run: (positionals, values) => {
      if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
      return run(positionals[0], values);
    },
    explain,
  },
  process.argv.slice(2),
);
