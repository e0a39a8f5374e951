import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { encodeBase64url, verifiesNodeKeyStatement } from '@b3iq/protocol';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addTransportKey,
  createKeyFile,
  enrollmentBody,
  KeyFileError,
  loadKeyFile,
  type NodeKeyFile,
} from '../../../packages/node-agent/src/key-file.js';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'b3iq-node-keys-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('createKeyFile', () => {
  it('writes the file with mode 0600 in a 0700 folder', async () => {
    // Prepare
    const file = path.join(directory, 'nested', 'node-keys.json');

    // Act
    await createKeyFile(file, { nodeId: 'node-a', keyId: 'tk-1' });

    // Assess
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
  });

  it('round-trips: the loaded keys are the created ones and the public keys belong to the secrets', async () => {
    // Prepare
    const file = path.join(directory, 'keys.json');

    // Act
    const created = await createKeyFile(file, { nodeId: 'node-a', keyId: 'tk-1' });
    const loaded = await loadKeyFile(file);

    // Assess
    expect(loaded).toEqual(created);
    expect(loaded.nodeId).toBe('node-a');
    expect(encodeBase64url(ed25519.getPublicKey(loaded.identitySecretKey))).toBe(loaded.identityPublicKey);
    expect(loaded.transportKeys.map((key) => [key.keyId, encodeBase64url(x25519.getPublicKey(key.secretKey)) === key.publicKey])).toEqual([
      ['tk-1', true],
    ]);
  });

  it('refuses to overwrite an existing file', async () => {
    const file = path.join(directory, 'keys.json');
    await createKeyFile(file, { nodeId: 'node-a' });
    const before = await readFile(file, 'utf8');

    await expect(createKeyFile(file, { nodeId: 'node-b' })).rejects.toThrow(/already exists/);
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it.each([
    { case: 'bad node id', options: { nodeId: 'node a' } },
    { case: 'bad key id', options: { nodeId: 'node-a', keyId: '-tk' } },
  ])('refuses a $case', async ({ options }) => {
    await expect(createKeyFile(path.join(directory, 'keys.json'), options)).rejects.toBeInstanceOf(KeyFileError);
  });
});

describe('loadKeyFile', () => {
  it('refuses a file that other users can read, saying how to fix it', async () => {
    const file = path.join(directory, 'keys.json');
    await createKeyFile(file, { nodeId: 'node-a' });
    await chmod(file, 0o644);

    await expect(loadKeyFile(file)).rejects.toThrow(/chmod 600/);
  });

  it('says how to create a missing file', async () => {
    await expect(loadKeyFile(path.join(directory, 'none.json'))).rejects.toThrow(/b3iq-node init/);
  });

  it.each([
    {
      case: "a public key that is not the secret key's",
      edit: (stored: NodeKeyFile) => (stored.identity.public_key = stored.transport_keys[0]!.public_key),
    },
    { case: 'no transport key', edit: (stored: NodeKeyFile) => (stored.transport_keys = []) },
    { case: 'a short secret key', edit: (stored: NodeKeyFile) => (stored.transport_keys[0]!.secret_key = 'AAAA') },
    { case: 'a bad node id', edit: (stored: NodeKeyFile) => (stored.node_id = '') },
    { case: 'a valid_until that is not a timestamp', edit: (stored: NodeKeyFile) => (stored.transport_keys[0]!.valid_until = 'tomorrow') },
  ])('refuses $case', async ({ edit }) => {
    // Prepare
    const file = path.join(directory, 'keys.json');
    await createKeyFile(file, { nodeId: 'node-a' });
    const stored = JSON.parse(await readFile(file, 'utf8'));
    edit(stored);
    await writeFile(file, JSON.stringify(stored), { mode: 0o600 });

    // Act + Assess
    await expect(loadKeyFile(file)).rejects.toBeInstanceOf(KeyFileError);
  });
});

describe('addTransportKey', () => {
  it('adds a key and keeps the old ones, the identity and the file mode', async () => {
    // Prepare
    const file = path.join(directory, 'keys.json');
    const created = await createKeyFile(file, { nodeId: 'node-a', keyId: 'tk-1' });

    // Act
    const rotated = await addTransportKey(file, 'tk-2');

    // Assess
    expect(rotated.transportKeys.map((key) => key.keyId)).toEqual(['tk-1', 'tk-2']);
    expect(rotated.transportKeys[0]).toEqual(created.transportKeys[0]);
    expect(rotated.identityPublicKey).toBe(created.identityPublicKey);
    expect(await loadKeyFile(file)).toEqual(rotated);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('refuses a key id the file already holds', async () => {
    const file = path.join(directory, 'keys.json');
    await createKeyFile(file, { nodeId: 'node-a', keyId: 'tk-1' });

    await expect(addTransportKey(file, 'tk-1')).rejects.toThrow(/already holds/);
  });
});

describe('enrollmentBody', () => {
  it("holds the public keys only, in the admin API's shape, each key with the identity key's signature of its statement", async () => {
    // Prepare
    const file = path.join(directory, 'keys.json');
    await createKeyFile(file, { nodeId: 'node-a', keyId: 'tk-1' });
    const keys = await addTransportKey(file, 'tk-2');
    const stored = await readFile(file, 'utf8');

    // Act
    const body = enrollmentBody(keys);

    // Assess
    expect(body).toEqual({
      status: 'active',
      models: [{ model_id: '<set me>', price_wei: '<set me>' }],
      transport_keys: keys.transportKeys.map((key) => ({
        key_id: key.keyId,
        public_key_x25519: key.publicKey,
        node_signature_ed25519: expect.any(String),
      })),
      identity_public_key_ed25519: keys.identityPublicKey,
    });
    for (const key of body.transport_keys) {
      const claim = { node_id: 'node-a', key_id: key.key_id, public_key_x25519: key.public_key_x25519, valid_until: null };
      expect(verifiesNodeKeyStatement(body.identity_public_key_ed25519, claim, key.node_signature_ed25519)).toBe(true);
    }
    const text = JSON.stringify(body);
    for (const secret of [...stored.matchAll(/"secret_key": "([^"]+)"/g)].map((found) => found[1]!)) expect(text).not.toContain(secret);
  });

  it('states and signs the valid_until of a transport key that has one in the key file (rotation)', async () => {
    // Prepare
    const file = path.join(directory, 'keys.json');
    await createKeyFile(file, { nodeId: 'node-a', keyId: 'tk-old' });
    await addTransportKey(file, 'tk-new');
    const stored = JSON.parse(await readFile(file, 'utf8')) as NodeKeyFile;
    stored.transport_keys[0]!.valid_until = '2027-01-01T00:00:00Z';
    await writeFile(file, JSON.stringify(stored), { mode: 0o600 });

    // Act
    const body = enrollmentBody(await loadKeyFile(file));

    // Assess
    const [old, fresh] = body.transport_keys;
    expect(old).toMatchObject({ key_id: 'tk-old', valid_until: '2027-01-01T00:00:00Z' });
    expect(fresh).not.toHaveProperty('valid_until');
    const claimOf = (key: typeof old, validUntil: string | null) => ({
      node_id: 'node-a',
      key_id: key!.key_id,
      public_key_x25519: key!.public_key_x25519,
      valid_until: validUntil,
    });
    expect(
      verifiesNodeKeyStatement(body.identity_public_key_ed25519, claimOf(old, '2027-01-01T00:00:00Z'), old!.node_signature_ed25519),
    ).toBe(true);
    expect(verifiesNodeKeyStatement(body.identity_public_key_ed25519, claimOf(old, null), old!.node_signature_ed25519)).toBe(false);
    expect(verifiesNodeKeyStatement(body.identity_public_key_ed25519, claimOf(fresh, null), fresh!.node_signature_ed25519)).toBe(true);
  });
});
