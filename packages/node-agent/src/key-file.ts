/**
 * The node's key file: its Ed25519 identity key (signs requests and receipts) and its X25519
 * transport keys (open requests). JSON, mode 0600 in a 0700 folder; secrets never leave it,
 * and the file is refused when others can read it. Several transport keys may be held at once
 * so a key can be rotated: a request is opened with the key its envelope names. A transport key
 * may carry a `valid_until` (set by hand to end an old key's window during a rotation); the
 * enrollment body then states it, and the identity key signs it with the rest.
 */
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  decodeBase64url,
  decodeCheckedBase64url,
  encodeBase64url,
  isId,
  isLowOrderPoint,
  isTimestamp,
  signNodeKeyStatement,
} from '@b3iq/protocol';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';

interface KeyPairText {
  /** base64url, 32 bytes. */
  secret_key: string;
  /** base64url, 32 bytes. */
  public_key: string;
}

interface TransportKeyText extends KeyPairText {
  key_id: string;
  /** The end of the key's window (RFC 3339 UTC); absent or null: no end. */
  valid_until?: string | null;
}

/** The file as stored. */
interface NodeKeyFile {
  node_id: string;
  identity: KeyPairText;
  transport_keys: TransportKeyText[];
}

/** The file's keys as bytes, ready to use. */
interface NodeKeys {
  nodeId: string;
  identitySecretKey: Uint8Array;
  identityPublicKey: string;
  transportKeys: { keyId: string; secretKey: Uint8Array; publicKey: string; validUntil: string | null }[];
}

/** The body of `PUT /v1/admin/nodes/{node_id}` that enrolls these keys; models are for the operator to fill in. */
interface EnrollmentBody {
  status: 'active';
  models: { model_id: string; price_wei: string }[];
  transport_keys: { key_id: string; public_key_x25519: string; valid_until?: string; node_signature_ed25519: string }[];
  identity_public_key_ed25519: string;
}

/** The key file is missing, unreadable, malformed or too open. The message says what to do. */
class KeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileError';
  }
}

const DEFAULT_KEY_FILE = path.join(os.homedir(), '.b3iq', 'node-keys.json');

function newTransportKey(keyId: string): TransportKeyText {
  if (!isId('key_id', keyId)) throw new KeyFileError(`key id "${keyId}" must match ^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$`);
  const secret = x25519.utils.randomSecretKey();
  return { key_id: keyId, secret_key: encodeBase64url(secret), public_key: encodeBase64url(x25519.getPublicKey(secret)) };
}

function defaultKeyId(now = new Date()): string {
  return `tk-${now.toISOString().slice(0, 10)}`;
}

/** Checks a parsed key file: ids, key sizes, and that each public key belongs to its secret. */
function parseKeyFile(value: unknown, file: string): NodeKeys {
  const bad = (what: string) => new KeyFileError(`${file}: ${what}; recreate it with \`b3iq-node init\` or fix it by hand`);
  if (typeof value !== 'object' || value === null) throw bad('not a JSON object');
  const stored = value as Partial<NodeKeyFile>;
  if (!isId('node_id', stored.node_id)) throw bad('node_id is missing or invalid');
  const pair = (text: KeyPairText | undefined, what: string, publicOf: (secret: Uint8Array) => Uint8Array) => {
    const secret = typeof text?.secret_key === 'string' ? decodeBase64url(text.secret_key) : undefined;
    if (secret?.length !== 32) throw bad(`${what} secret_key must be 32 bytes of base64url`);
    const derived = encodeBase64url(publicOf(secret));
    if (text?.public_key !== derived) throw bad(`${what} public_key does not belong to its secret_key`);
    return { secret, publicKey: derived };
  };
  const identity = pair(stored.identity, 'identity', (secret) => ed25519.getPublicKey(secret));
  if (!Array.isArray(stored.transport_keys) || stored.transport_keys.length === 0) throw bad('transport_keys must be a non-empty array');
  const seen = new Set<string>();
  const transportKeys = stored.transport_keys.map((key, index) => {
    if (!isId('key_id', key?.key_id)) throw bad(`transport_keys[${index}].key_id is missing or invalid`);
    if (seen.has(key.key_id)) throw bad(`transport key id "${key.key_id}" appears twice`);
    seen.add(key.key_id);
    const { secret, publicKey } = pair(key, `transport key "${key.key_id}"`, (s) => x25519.getPublicKey(s));
    if (isLowOrderPoint(decodeCheckedBase64url(publicKey, 'public key'))) throw bad(`transport key "${key.key_id}" is a low-order point`);
    const validUntil = key.valid_until ?? null;
    if (validUntil !== null && !isTimestamp(validUntil)) {
      throw bad(`transport key "${key.key_id}" valid_until must be an RFC 3339 UTC timestamp, or null for no end`);
    }
    return { keyId: key.key_id, secretKey: secret, publicKey, validUntil };
  });
  return { nodeId: stored.node_id, identitySecretKey: identity.secret, identityPublicKey: identity.publicKey, transportKeys };
}

async function writePrivate(file: string, content: NodeKeyFile, flag: 'wx' | 'w'): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag });
  await chmod(file, 0o600); // the mode of writeFile is masked by the umask
}

/** Creates a key file with a fresh identity key and one transport key; refuses to overwrite. */
async function createKeyFile(file: string, options: { nodeId: string; keyId?: string }): Promise<NodeKeys> {
  if (!isId('node_id', options.nodeId)) throw new KeyFileError(`node id "${options.nodeId}" must match ^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$`);
  const identitySecret = ed25519.utils.randomSecretKey();
  const content: NodeKeyFile = {
    node_id: options.nodeId,
    identity: { secret_key: encodeBase64url(identitySecret), public_key: encodeBase64url(ed25519.getPublicKey(identitySecret)) },
    transport_keys: [newTransportKey(options.keyId ?? defaultKeyId())],
  };
  try {
    await writePrivate(file, content, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new KeyFileError(
        `${file} already exists; it is never overwritten. Use another --key-file, or add a transport key with \`b3iq-node add-key\``,
      );
    }
    throw error;
  }
  return parseKeyFile(content, file);
}

async function readKeyFileText(file: string): Promise<unknown> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new KeyFileError(`${file} does not exist; create it with \`b3iq-node init --node-id ID --key-file ${file}\``);
    }
    throw error;
  }
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    throw new KeyFileError(`${file} can be read by other users (mode ${(info.mode & 0o777).toString(8)}); run \`chmod 600 ${file}\``);
  }
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    throw new KeyFileError(`${file} is not JSON; recreate it with \`b3iq-node init\``);
  }
}

/** Loads and checks a key file. */
async function loadKeyFile(file: string): Promise<NodeKeys> {
  return parseKeyFile(await readKeyFileText(file), file);
}

/** Adds a fresh transport key (rotation); the old ones stay so requests sealed to them still open. */
async function addTransportKey(file: string, keyId: string): Promise<NodeKeys> {
  const stored = (await readKeyFileText(file)) as NodeKeyFile;
  parseKeyFile(stored, file);
  if (stored.transport_keys.some((key) => key.key_id === keyId))
    throw new KeyFileError(`${file} already holds transport key "${keyId}"; pick another --key-id`);
  const next: NodeKeyFile = { ...stored, transport_keys: [...stored.transport_keys, newTransportKey(keyId)] };
  const temporary = `${file}.${process.pid}.tmp`;
  await writePrivate(temporary, next, 'wx');
  await rename(temporary, file);
  return parseKeyFile(next, file);
}

/** The enrollment body for these keys: public keys, each with the identity key's statement that it is the node's. */
function enrollmentBody(keys: NodeKeys): EnrollmentBody {
  return {
    status: 'active',
    models: [{ model_id: '<set me>', price_wei: '<set me>' }],
    transport_keys: keys.transportKeys.map((key) => ({
      key_id: key.keyId,
      public_key_x25519: key.publicKey,
      ...(key.validUntil === null ? {} : { valid_until: key.validUntil }),
      node_signature_ed25519: signNodeKeyStatement(keys.identitySecretKey, {
        node_id: keys.nodeId,
        key_id: key.keyId,
        public_key_x25519: key.publicKey,
        valid_until: key.validUntil,
      }),
    })),
    identity_public_key_ed25519: keys.identityPublicKey,
  };
}

export type { EnrollmentBody, NodeKeyFile, NodeKeys };
export { addTransportKey, createKeyFile, DEFAULT_KEY_FILE, defaultKeyId, enrollmentBody, KeyFileError, loadKeyFile, parseKeyFile };
