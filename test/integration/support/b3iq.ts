/** Runs the `b3iq` binary as a customer runs it (built by `npm run build`): its exit code and what it printed. */
import { type ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const BINARY = fileURLToPath(new URL('../../../packages/sdk/dist/cli/main.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function b3iq(args: string[], options: { env?: Record<string, string>; stdin?: string; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BINARY, ...args], {
      cwd: options.cwd ?? tmpdir(),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

interface RunningProxy {
  child: ChildProcess;
  /** Where it says it serves, e.g. `http://127.0.0.1:PORT/v1`. */
  baseUrl: string;
  /** Everything it printed so far, stdout and stderr. */
  output: () => string;
}

/** `b3iq proxy ARGS` (`--port 0`: a free port) with exactly `env`; resolves once it says where it serves. */
function runProxy(args: string[], env: NodeJS.ProcessEnv): Promise<RunningProxy> {
  const child = spawn(process.execPath, [BINARY, 'proxy', ...args], { cwd: tmpdir(), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const serving = /at (http:\/\/127\.0\.0\.1:\d+\/v1);/.exec(output);
      if (serving) resolve({ child, baseUrl: serving[1]!, output: () => output });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`b3iq proxy exited ${code} before serving: ${output}`)));
  });
}

export type { Run, RunningProxy };
export { b3iq, runProxy };
