/** Runs a command to completion, its output kept for the error message (and shown when `verbose`). */
import { spawn } from 'node:child_process';

interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Show the output as it comes, on `echo` (standard error unless told otherwise). */
  verbose?: boolean;
  echo?: NodeJS.WritableStream;
}

/** Runs a command; answers its exit code (1 when a signal ended it) and its output. */
async function runToExit(command: string, args: string[], options: RunOptions = {}): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (options.verbose) (options.echo ?? process.stderr).write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? 1, output }));
  });
}

/** Runs a command that must succeed; answers its output, or throws with the output's end. */
async function run(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  const { exitCode, output } = await runToExit(command, args, options);
  if (exitCode !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${exitCode}\n${output.slice(-4000)}`);
  return output;
}

export type { RunOptions };
export { run, runToExit };
