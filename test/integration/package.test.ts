/**
 * The published packages as others install them: `@b3iq/protocol`, `b3iq-private-inference` (SDK
 * and `b3iq`) and `b3iq-node` are packed from the workspaces and installed, production
 * dependencies only, into empty folders, as a customer and as a node operator would.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKSPACES = ['packages/protocol', 'packages/sdk', 'packages/node-agent'];
/** "A few MB": the noble libraries are most of it (216 MB when the SDK came with the control plane). */
const MAX_INSTALLED_BYTES = 6 * 1024 * 1024;

interface Packed {
  name: string;
  filename: string;
  files: { path: string }[];
}

let work: string;
let packed: Map<string, Packed>;

function tarball(name: string): string {
  const found = packed.get(name);
  if (found === undefined) throw new Error(`${name} was not packed`);
  return path.join(work, 'tarballs', found.filename);
}

/** A fresh folder with only these tarballs installed, as `npm install --omit=dev` puts them. */
function installInEmptyFolder(folder: string, names: string[]): string {
  const directory = path.join(work, folder);
  mkdirSync(directory);
  execFileSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', ...names.map(tarball)], {
    cwd: directory,
    encoding: 'utf8',
  });
  return directory;
}

function bytesUnder(directory: string): number {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(path.join(entry.parentPath, entry.name)).size, 0);
}

function run(directory: string, command: string, args: string[]) {
  return spawnSync(command, args, { cwd: directory, encoding: 'utf8', env: { ...process.env, B3IQ_API_URL: '' } });
}

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'b3iq-package-test-'));
  mkdirSync(path.join(work, 'tarballs'));
  const output = execFileSync(
    'npm',
    ['pack', ...WORKSPACES.flatMap((workspace) => ['--workspace', workspace]), '--pack-destination', path.join(work, 'tarballs'), '--json'],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  packed = new Map((JSON.parse(output) as Packed[]).map((entry) => [entry.name, entry]));
}, 300_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('the packed workspaces', () => {
  it.each([
    ['@b3iq/protocol', 'dist/index.js'],
    ['b3iq-private-inference', 'dist/cli/main.js'],
    ['b3iq-node', 'dist/main.js'],
  ])('%s holds only built JavaScript, declarations, its manifest and README', (name, entry) => {
    const files = packed.get(name)?.files.map((file) => file.path) ?? [];

    expect(files).toContain('package.json');
    expect(files).toContain(entry);
    expect(files.filter((file) => !/^dist\/.+\.(js|d\.ts)$/.test(file) && file !== 'package.json' && file !== 'README.md')).toEqual([]);
  });
});

describe('a customer installing the SDK and CLI into an empty project', () => {
  let project: string;

  beforeAll(() => {
    project = installInEmptyFolder('customer', ['@b3iq/protocol', 'b3iq-private-inference']);
  }, 300_000);

  it('gets a few MB of node_modules, without the control plane', () => {
    const installed = readdirSync(path.join(project, 'node_modules'));

    expect(bytesUnder(path.join(project, 'node_modules'))).toBeLessThan(MAX_INSTALLED_BYTES);
    expect(installed).not.toContain('aws-cdk-lib');
    expect(installed).not.toContain('@aws-sdk');
  });

  it('runs `npx b3iq --help`', () => {
    const result = run(project, 'npx', ['--no-install', 'b3iq', '--help']);

    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage:\n  b3iq nodes show <node_id>');
  });

  it.each(['b3iq-private-inference/sdk', 'b3iq-private-inference'])('imports the SDK as %s, with its types', (specifier) => {
    const printed = run(project, process.execPath, [
      '--input-type=module',
      '-e',
      `const sdk = await import('${specifier}'); console.log(Object.keys(sdk).sort().join(' '))`,
    ]);
    const types = statSync(path.join(project, 'node_modules', 'b3iq-private-inference', 'dist', 'index.d.ts'));

    expect(printed.status).toBe(0);
    expect(printed.stdout.trim().split(' ')).toEqual(
      expect.arrayContaining(['B3iqClient', 'FileKeyStore', 'B3iqApiError', 'sealEnvelope', 'openEnvelope']),
    );
    expect(types.size).toBeGreaterThan(0);
  });
});

describe('a node operator installing the agent into an empty folder', () => {
  let folder: string;

  beforeAll(() => {
    folder = installInEmptyFolder('operator', ['@b3iq/protocol', 'b3iq-node']);
  }, 300_000);

  it('gets a few MB of node_modules, without the control plane or the customer SDK', () => {
    const installed = readdirSync(path.join(folder, 'node_modules'));

    expect(bytesUnder(path.join(folder, 'node_modules'))).toBeLessThan(MAX_INSTALLED_BYTES);
    expect(installed).not.toContain('aws-cdk-lib');
    expect(installed).not.toContain('b3iq-private-inference');
  });

  it('runs `npx b3iq-node --help`', () => {
    const result = run(folder, 'npx', ['--no-install', 'b3iq-node', '--help']);

    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage:\n  b3iq-node init --node-id ID');
  });
});
