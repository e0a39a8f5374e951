import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run, runToExit } from '../../../scripts/local/run.js';

const node = process.execPath;
const script = (code: number) => ['-e', `process.stdout.write('out'); process.stderr.write('err'); process.exit(${code})`];

describe('run', () => {
  it('answers the output of a command that succeeds', async () => {
    expect(await run(node, script(0))).toBe('outerr');
  });

  it('throws with the exit code and the output of a command that fails', async () => {
    await expect(run(node, script(3))).rejects.toThrow(/exited with 3\nouterr/);
  });

  it('throws when the command cannot start', async () => {
    await expect(run('/nonexistent/b3iq-command', [])).rejects.toThrow(/ENOENT/);
  });
});

describe('runToExit', () => {
  it('answers a failing exit code with the output instead of throwing', async () => {
    expect(await runToExit(node, script(4))).toEqual({ exitCode: 4, output: 'outerr' });
  });

  it('echoes the output where told when verbose, and nowhere otherwise', async () => {
    const echoed: string[] = [];
    const echo = new PassThrough().on('data', (chunk: Buffer) => echoed.push(chunk.toString()));
    await runToExit(node, script(0), { verbose: true, echo });
    await runToExit(node, script(0), { echo });
    expect(echoed.join('')).toHaveLength('outerr'.length);
  });
});
