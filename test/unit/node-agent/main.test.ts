/** `b3iq-node` as a process: run from source with tsx, against the fake node API for `run`. */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeBase64url, sealEnvelope, verifiesNodeKeyStatement } from '@b3iq/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadKeyFile } from '../../../packages/node-agent/src/key-file.js';
import { eventually, FakeNodeApi } from './fake-node-api.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const MAIN = path.join(ROOT, 'packages', 'node-agent', 'src', 'main.ts');

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'b3iq-node-main-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

function b3iqNode(args: string[], env: Record<string, string> = {}) {
  const child = spawn(TSX, ['--conditions=b3iq-source', MAIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, B3IQ_API_URL: '', B3IQ_NODE_KEY_FILE: '', ...env },
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output, exited };
}

describe('b3iq-node', () => {
  it('init writes the key file and prints the enrollment body without secrets; a second init refuses', async () => {
    // Prepare
    const file = path.join(directory, 'keys.json');

    // Act
    const first = b3iqNode(['init', '--node-id', 'node-a', '--key-file', file, '--key-id', 'tk-1']);
    const firstCode = await first.exited;
    const second = b3iqNode(['init', '--node-id', 'node-a', '--key-file', file]);
    const secondCode = await second.exited;

    // Assess
    expect(firstCode).toBe(0);
    const keys = await loadKeyFile(file);
    const printed = JSON.parse(first.output.stdout);
    expect(printed).toEqual({
      status: 'active',
      models: [{ model_id: '<set me>', price_wei: '<set me>' }],
      transport_keys: [{ key_id: 'tk-1', public_key_x25519: keys.transportKeys[0]!.publicKey, node_signature_ed25519: expect.any(String) }],
      identity_public_key_ed25519: keys.identityPublicKey,
    });
    const claim = { node_id: 'node-a', key_id: 'tk-1', public_key_x25519: keys.transportKeys[0]!.publicKey, valid_until: null };
    expect(verifiesNodeKeyStatement(keys.identityPublicKey, claim, printed.transport_keys[0].node_signature_ed25519)).toBe(true);
    const stored = JSON.parse(await readFile(file, 'utf8'));
    for (const secret of [stored.identity.secret_key, stored.transport_keys[0].secret_key]) {
      expect(first.output.stdout + first.output.stderr).not.toContain(secret);
    }
    expect(first.output.stderr).toContain('PUT /v1/admin/nodes/node-a');
    expect(secondCode).toBe(3);
    expect(second.output.stderr).toMatch(/already exists/);
  });

  it('add-key and enrollment print a body whose every transport key is signed by the identity key', async () => {
    // Prepare
    const file = path.join(directory, 'keys.json');
    expect(await b3iqNode(['init', '--node-id', 'node-a', '--key-file', file, '--key-id', 'tk-1']).exited).toBe(0);

    // Act
    const added = b3iqNode(['add-key', '--key-file', file, '--key-id', 'tk-2']);
    const addedCode = await added.exited;
    const again = b3iqNode(['enrollment', '--key-file', file]);
    const againCode = await again.exited;

    // Assess
    expect([addedCode, againCode]).toEqual([0, 0]);
    const keys = await loadKeyFile(file);
    const body = JSON.parse(added.output.stdout) as {
      transport_keys: { key_id: string; public_key_x25519: string; node_signature_ed25519: string }[];
      identity_public_key_ed25519: string;
    };
    expect(body.identity_public_key_ed25519).toBe(keys.identityPublicKey);
    expect(body.transport_keys.map((key) => key.key_id)).toEqual(['tk-1', 'tk-2']);
    for (const key of body.transport_keys) {
      const claim = { node_id: 'node-a', key_id: key.key_id, public_key_x25519: key.public_key_x25519, valid_until: null };
      expect(verifiesNodeKeyStatement(keys.identityPublicKey, claim, key.node_signature_ed25519)).toBe(true);
    }
    // Ed25519 signatures are deterministic: re-printing the body re-enrolls nothing new.
    expect(JSON.parse(again.output.stdout)).toEqual(body);
  });

  it.each([
    { case: 'no command', args: [], code: 2, message: /name a command/ },
    {
      case: 'an unknown backend',
      args: ['run', '--api-url', 'http://127.0.0.1:9', '--backend', 'gpt'],
      code: 2,
      message: /echo or openai/,
    },
    { case: 'no API URL', args: ['run'], code: 3, message: /B3IQ_API_URL/ },
    {
      case: 'a plain-http API URL off this machine',
      args: ['run', '--api-url', 'http://control-plane.example/prod'],
      code: 3,
      message: /https:\/\//,
    },
    { case: 'an API URL that is not a URL', args: ['run', '--api-url', 'control-plane'], code: 3, message: /not a URL/ },
    {
      case: 'a missing key file',
      args: ['run', '--api-url', 'http://127.0.0.1:9', '--key-file', '/nonexistent/keys.json'],
      code: 3,
      message: /b3iq-node init/,
    },
  ])('exits $code with what to do next for $case', async ({ args, code, message }) => {
    const run = b3iqNode(args);

    expect(await run.exited).toBe(code);
    expect(run.output.stderr).toMatch(message);
  });

  it('run answers commands until SIGTERM, then exits 0', async () => {
    // Prepare
    const file = path.join(directory, 'keys.json');
    expect(await b3iqNode(['init', '--node-id', 'node-a', '--key-file', file]).exited).toBe(0);
    const keys = await loadKeyFile(file);
    const api = await new FakeNodeApi(keys.nodeId, keys.identityPublicKey).start();
    const sealed = sealEnvelope(
      'request',
      decodeBase64url(keys.transportKeys[0]!.publicKey)!,
      { key_id: keys.transportKeys[0]!.keyId, node_id: 'node-a', model_id: 'm-1' },
      new TextEncoder().encode(JSON.stringify({ messages: [{ role: 'user', content: 'hello' }] })),
    );
    api.enqueue({
      type: 'private_inference',
      command_id: 'cmd-1',
      job_id: 'job-1',
      node_id: 'node-a',
      model_id: 'm-1',
      encrypted_request: sealed.envelope,
      created_at: new Date().toISOString(),
      price_wei: '7',
    });

    try {
      // Act
      const run = b3iqNode(['run', '--key-file', file], { B3IQ_API_URL: api.url });
      await eventually(() => run.output.stderr.includes('polling'), 15_000);
      await eventually(() => api.results.length === 1);
      run.child.kill('SIGTERM');

      // Assess
      expect(await run.exited).toBe(0);
      expect(run.output.stderr).toMatch(/command=cmd-1 delivery=1 outcome=completed/);
      expect(run.output.stderr).toContain('b3iq-node: stopped');
      expect(api.problems).toEqual([]);
    } finally {
      await api.close();
    }
  }, 30_000);
});
