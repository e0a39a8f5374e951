/** The package as others install it: the SDK under its export names, typed, and the `b3iq` bin. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const manifest = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8'));

describe('the package', () => {
  it.each(['b3iq-private-inference', 'b3iq-private-inference/sdk'])('exports the SDK as %s, with types', (specifier) => {
    const printed = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `const sdk = await import('${specifier}'); console.log(Object.keys(sdk).sort().join(' '))`],
      { cwd: ROOT, encoding: 'utf8' },
    );

    expect(printed.trim().split(' ')).toEqual(
      expect.arrayContaining(['B3iqClient', 'FileKeyStore', 'B3iqApiError', 'sealEnvelope', 'openEnvelope']),
    );
    expect(existsSync(`${ROOT}/${manifest.exports['./sdk'].types}`)).toBe(true);
  });

  it('ships the b3iq binary and nothing but dist', () => {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }));
    const files: string[] = packed.files.map((file: { path: string }) => file.path);

    expect(manifest.bin.b3iq).toBe('dist/cli/main.js');
    expect(files).toContain('dist/cli/main.js');
    expect(files.filter((file) => !file.startsWith('dist/') && file !== 'package.json' && file !== 'README.md')).toEqual([]);
    expect(readFileSync(`${ROOT}/dist/cli/main.js`, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
  });
});
