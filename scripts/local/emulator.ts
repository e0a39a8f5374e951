/**
 * The local AWS emulator: ministack (MIT, pure Python, from PyPI), which takes a real
 * `cdk deploy` and runs the bundled Lambdas behind its API Gateway as local Node.js processes.
 * It is installed into a project-local virtualenv on first use and started on free ports; its
 * Lambdas run on the project's Node.js 24 (first on its PATH), as they do on AWS.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NODE_BIN } from './paths.js';
import { installPythonTool } from './python-tool.js';

const PACKAGES = ['ministack==1.5.33', 'cryptography==50.0.2'];
const REGION = 'us-east-1';

interface Emulator {
  endpoint: string;
  region: string;
  /** Credentials and endpoint for SDK clients and the CDK CLI. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Environment that points the AWS SDK and CDK CLI at an endpoint. */
function awsEnv(endpoint: string, region = REGION): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    CDK_DEFAULT_ACCOUNT: '000000000000',
    CDK_DEFAULT_REGION: region,
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
}

/**
 * ministack computes update arithmetic (`SET a = a - :x`, `ADD`) with Python's default decimal
 * context, 28 significant digits; DynamoDB keeps 38. The reservation buckets move wei with such
 * arithmetic, so ministack runs with a 38-digit context (threads copy `DefaultContext`).
 */
const MINISTACK_WITH_38_DIGITS = [
  'import decimal, sys',
  'decimal.DefaultContext.prec = 38',
  'decimal.setcontext(decimal.Context(prec=38))',
  'from ministack.app import main',
  'sys.exit(main())',
].join('\n');

/** The virtualenv's Python, with ministack installed. */
async function installMinistack(log: (line: string) => void): Promise<string> {
  return path.join(await installPythonTool('ministack-venv', PACKAGES, log), 'python3');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForHealth(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`ministack exited with ${child.exitCode} before it answered`);
    try {
      if ((await fetch(`${endpoint}/_ministack/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`ministack did not answer at ${endpoint} within ${timeoutMs} ms`);
}

/**
 * The environment ministack passes on to the Lambda processes it runs: this process's, without
 * what a test runner or npm injects (NODE_OPTIONS loaders, VITEST_*, npm_*) or AWS settings
 * meant for this process rather than for the Lambdas.
 */
function lambdaHostEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(NODE_OPTIONS|VITEST.*|npm_.*|AWS_.*|CDK_.*|TABLE_NAME|NODE_QUEUE_.*|ADMIN_TOKEN_.*)$/.test(name),
    ),
  );
}

interface EmulatorOptions {
  log?: (line: string) => void;
  /** The gateway port; a free one by default. */
  port?: number;
  /**
   * Added to the environment of every Lambda process ministack runs (its own environment is theirs;
   * a function's configured variables still win), e.g. `AWS_ENDPOINT_URL_DYNAMODB` for a DynamoDB front.
   */
  lambdaEnv?: Record<string, string>;
}

/** Installs (once) and starts a fresh ministack on free ports; `stop()` ends it and everything it ran. */
async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const log = options.log ?? (() => {});
  const python = await installMinistack(log);
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  // Outside the project: ministack writes its CommonJS Lambda worker there, and the project's
  // package.json ("type": "module") would make Node load it as ESM.
  const workDir = path.join(tmpdir(), `b3iq-ministack-${port}`);
  mkdirSync(workDir, { recursive: true });
  const logFile = openSync(path.join(workDir, 'ministack.log'), 'a');
  const child = spawn(python, ['-c', MINISTACK_WITH_38_DIGITS], {
    detached: true, // its own process group, so stop() also ends the Lambda processes it started
    stdio: ['ignore', logFile, logFile],
    env: {
      ...lambdaHostEnv(),
      ...options.lambdaEnv,
      PATH: `${NODE_BIN}:${process.env.PATH ?? ''}`,
      BIND_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      IOT_MTLS_PORT: String(await freePort()),
      LAMBDA_EXECUTOR: 'local',
      TMPDIR: workDir,
      STATE_DIR: path.join(workDir, 'state'),
      S3_DATA_DIR: path.join(workDir, 's3'),
      LOG_LEVEL: 'WARNING',
    },
  });
  closeSync(logFile);
  // A process that exits before it could call stop() (Ctrl+C while ministack is still starting:
  // the caller has no Emulator to stop yet) must not leave it running in its own process group.
  // Only synchronous work is possible on 'exit', so it is signalled and its directory in tmpdir stays
  // (not removed here: if this ministack never bound the port, the directory may be another one's).
  const endOnExit = () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.once('exit', endOnExit);
  const stop = async () => {
    process.off('exit', endOnExit);
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
    }, 3000);
    await exited;
    clearTimeout(timer);
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(endpoint, child, 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  log(`ministack is answering at ${endpoint}`);
  return { endpoint, region: REGION, env: awsEnv(endpoint), stop };
}

export type { Emulator, EmulatorOptions };
export { awsEnv, freePort, startEmulator };
