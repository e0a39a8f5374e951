/**
 * Counts asymmetric cryptographic operations made in this process while a window is open:
 *
 * - node:crypto: `sign`, `verify`, `diffieHellman`, `createSign`, `createVerify`, `createECDH`,
 *   `createDiffieHellman`, `publicEncrypt`/`privateDecrypt`/`privateEncrypt`/`publicDecrypt`,
 *   `generateKeyPair(Sync)`, and WebCrypto `subtle.sign`/`verify`/`deriveBits`/`deriveKey`. The
 *   CommonJS exports are wrapped and `syncBuiltinESMExports()` carries that to every ESM
 *   `import { verify } from 'node:crypto'`, those already evaluated included.
 * - noble: `x25519.getSharedSecret`/`scalarMult`/`scalarMultBase`/`getPublicKey` and
 *   `ed25519.sign`/`verify`/`getPublicKey`. noble freezes these objects, so a module resolution hook
 *   (noble-hooks.mjs) hands modules imported after `installAsymmetricCryptoCounter()` a counting
 *   copy of '@noble/curves/ed25519.js' (noble-ed25519-spy.mjs). Import the code under test
 *   dynamically, after installing.
 *
 * Hashes, HMAC, AEADs and random bytes are symmetric and not counted.
 */
import { createRequire, register, syncBuiltinESMExports } from 'node:module';

type Tally = Record<string, number>;

const NODE_CRYPTO_FUNCTIONS = [
  'sign',
  'verify',
  'diffieHellman',
  'createSign',
  'createVerify',
  'createECDH',
  'createDiffieHellman',
  'publicEncrypt',
  'privateDecrypt',
  'privateEncrypt',
  'publicDecrypt',
  'generateKeyPair',
  'generateKeyPairSync',
] as const;
const SUBTLE_METHODS = ['sign', 'verify', 'deriveBits', 'deriveKey'] as const;

let current: Tally | undefined;
let installed = false;

function record(name: string): void {
  if (current !== undefined) current[name] = (current[name] ?? 0) + 1;
}

function installAsymmetricCryptoCounter(): void {
  if (installed) return;
  installed = true;
  (globalThis as Record<symbol, unknown>)[Symbol.for('b3iq.bench.asymmetric')] = record;

  const crypto = createRequire(import.meta.url)('node:crypto') as Record<string, unknown> & { webcrypto?: { subtle?: object } };
  for (const name of NODE_CRYPTO_FUNCTIONS) {
    const original = crypto[name];
    if (typeof original !== 'function') continue;
    crypto[name] = function counted(this: unknown, ...args: unknown[]) {
      record(`node:crypto ${name}`);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  syncBuiltinESMExports();

  const subtle = globalThis.crypto?.subtle;
  const subtlePrototype = subtle === undefined ? undefined : (Object.getPrototypeOf(subtle) as Record<string, unknown>);
  for (const name of SUBTLE_METHODS) {
    const original = subtlePrototype?.[name];
    if (subtlePrototype === undefined || typeof original !== 'function') continue;
    subtlePrototype[name] = function counted(this: unknown, ...args: unknown[]) {
      record(`webcrypto subtle.${name}`);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }

  register('./noble-hooks.mjs', import.meta.url);
}

/** Runs `work` with a fresh window and returns the asymmetric operations it made. Windows do not nest. */
async function countAsymmetricCrypto<T>(work: () => Promise<T>): Promise<{ result: T; ops: Tally }> {
  if (!installed) throw new Error('installAsymmetricCryptoCounter() first');
  if (current !== undefined) throw new Error('asymmetric crypto windows do not nest');
  const ops: Tally = {};
  current = ops;
  try {
    return { result: await work(), ops };
  } finally {
    current = undefined;
  }
}

export { countAsymmetricCrypto, installAsymmetricCryptoCounter };
