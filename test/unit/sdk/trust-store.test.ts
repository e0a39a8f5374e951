/** The pins, in memory and in the file: first use records, a pin is changed only on purpose, the file is private. */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileTrustStore, fingerprint, MemoryTrustStore, type TrustStore } from '../../../packages/sdk/src/trust-store.js';

const API = 'https://api.example/prod';
const tempFile = () => path.join(mkdtempSync(path.join(tmpdir(), 'b3iq-trust-')), 'home', '.b3iq', 'known-keys.json');

describe.each<{ name: string; make: () => TrustStore }>([
  { name: 'MemoryTrustStore', make: () => new MemoryTrustStore() },
  { name: 'FileTrustStore', make: () => new FileTrustStore(tempFile()) },
])('$name', ({ make }) => {
  it('records the first directory key and node identity key it is given, and keeps them', async () => {
    // Prepare
    const store = make();

    // Act
    const first = await store.pinDirectoryKey(API, 'dir-1');
    const second = await store.pinDirectoryKey(`${API}/`, 'dir-2');
    const node = await store.pinNodeIdentityKey(API, 'node-a', 'id-1');
    const nodeAgain = await store.pinNodeIdentityKey(API, 'node-a', 'id-2');

    // Assess: the second key is not pinned, and the pinned one is returned for the caller to compare.
    expect([first, second, node, nodeAgain]).toEqual(['dir-1', 'dir-1', 'id-1', 'id-1']);
    expect(await store.directoryKey(API)).toBe('dir-1');
    expect(await store.nodeIdentityKey(API, 'node-a')).toBe('id-1');
  });

  it('changes a pin only when asked to replace it', async () => {
    const store = make();
    await store.pinDirectoryKey(API, 'dir-1');
    await store.pinNodeIdentityKey(API, 'node-a', 'id-1');

    await store.pinDirectoryKey(API, 'dir-2', { replace: true });
    await store.pinNodeIdentityKey(API, 'node-a', 'id-2', { replace: true });

    expect(await store.directoryKey(API)).toBe('dir-2');
    expect(await store.nodeIdentityKey(API, 'node-a')).toBe('id-2');
  });

  it('keeps pins apart per API URL and per node', async () => {
    const store = make();
    await store.pinDirectoryKey(API, 'dir-1');
    await store.pinNodeIdentityKey(API, 'node-a', 'id-a');

    expect(await store.directoryKey('https://other.example/prod')).toBeUndefined();
    expect(await store.nodeIdentityKey('https://other.example/prod', 'node-a')).toBeUndefined();
    expect(await store.nodeIdentityKey(API, 'node-b')).toBeUndefined();
    expect(await store.list()).toEqual({ [API]: { directory_key_spki: 'dir-1', nodes: { 'node-a': 'id-a' } } });
  });
});

describe('FileTrustStore', () => {
  it('writes a 0600 file in a 0700 folder, atomically (no temporary file left), as JSON a second store reads', async () => {
    // Prepare
    const file = tempFile();

    // Act
    await Promise.all([new FileTrustStore(file).pinDirectoryKey(API, 'dir-1'), new FileTrustStore(file).directoryKey(API)]);
    const store = new FileTrustStore(file);
    await Promise.all([store.pinNodeIdentityKey(API, 'node-a', 'id-a'), store.pinNodeIdentityKey(API, 'node-b', 'id-b')]);

    // Assess
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(readdirSync(path.dirname(file))).toEqual(['known-keys.json']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      version: 1,
      apis: { [API]: { directory_key_spki: 'dir-1', nodes: { 'node-a': 'id-a', 'node-b': 'id-b' } } },
    });
    expect(await new FileTrustStore(file).nodeIdentityKey(API, 'node-b')).toBe('id-b');
  });

  it('leaves the file as it is when a pin is already there (no rewrite on every run)', async () => {
    const file = tempFile();
    const store = new FileTrustStore(file);
    await store.pinDirectoryKey(API, 'dir-1');
    const inode = statSync(file).ino;

    await store.pinDirectoryKey(API, 'dir-1');
    await store.pinDirectoryKey(API, 'dir-2');

    // The atomic write renames a new file over the old one: the same inode means no write happened.
    expect(statSync(file).ino).toBe(inode);
  });

  it('lives under $HOME/.b3iq by default', () => {
    const home = process.env.HOME;
    process.env.HOME = '/tmp/someone';
    try {
      expect(new FileTrustStore().file).toBe('/tmp/someone/.b3iq/known-keys.json');
    } finally {
      process.env.HOME = home;
    }
  });
});

describe('fingerprint', () => {
  it('names a key by the SHA-256 of its bytes', () => {
    // SHA-256 of the empty byte string.
    expect(fingerprint('')).toBe('SHA256:47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
    expect(fingerprint('AQID')).not.toBe(fingerprint('AQIE'));
  });
});
