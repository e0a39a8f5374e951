/**
 * Pins, trust on first use (like SSH's `known_hosts`): per API URL, the key-directory key, and per
 * node of that API, its Ed25519 identity key, recorded the first time the client meets them. A
 * later difference is refused by the client; only an explicit `replace` changes a pin.
 *
 * The file store keeps them in `~/.b3iq/known-keys.json` (`$HOME` decides), mode 0600 in a 0700
 * folder, rewritten atomically (a temporary file renamed over it). Pins hold public keys only.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { decodeBase64url } from '@b3iq/protocol';

/** What a store holds for one API URL. */
interface ApiPins {
  /** base64url DER SPKI of the key directory (KMS) key. */
  directory_key_spki?: string;
  /** node id → base64url Ed25519 identity key. */
  nodes: Record<string, string>;
}

interface TrustStore {
  /** The pinned directory key of `apiUrl`, if any. */
  directoryKey(apiUrl: string): Promise<string | undefined>;
  /** The pinned identity key of the node at `apiUrl`, if any. */
  nodeIdentityKey(apiUrl: string, nodeId: string): Promise<string | undefined>;
  /**
   * Pins the directory key of `apiUrl`. Unless `replace`, only where none is pinned yet; returns
   * the key pinned afterwards (another process may have pinned first).
   */
  pinDirectoryKey(apiUrl: string, key: string, options?: { replace?: boolean }): Promise<string>;
  /** Pins the node's identity key, as `pinDirectoryKey` does. */
  pinNodeIdentityKey(apiUrl: string, nodeId: string, key: string, options?: { replace?: boolean }): Promise<string>;
  /** Every pin, by API URL. */
  list(): Promise<Record<string, ApiPins>>;
}

interface KnownKeysFile {
  version: 1;
  apis: Record<string, ApiPins>;
}

/** `SHA256:` and the base64url SHA-256 of the key's bytes: how a key is named in messages. */
function fingerprint(key: string): string {
  const bytes = decodeBase64url(key) ?? new TextEncoder().encode(key);
  return `SHA256:${createHash('sha256').update(bytes).digest('base64url')}`;
}

/** The API URL as pins are keyed: without trailing slashes. */
const apiKey = (apiUrl: string) => apiUrl.replace(/\/+$/, '');

/** Applies a pin to `pins` in place; returns the key pinned afterwards. */
function pinInto(pins: Record<string, ApiPins>, apiUrl: string, key: string, replace: boolean, nodeId?: string): string {
  const api = pins[apiKey(apiUrl)] ?? { nodes: {} };
  pins[apiKey(apiUrl)] = api;
  if (nodeId === undefined) {
    if (replace || api.directory_key_spki === undefined) api.directory_key_spki = key;
    return api.directory_key_spki;
  }
  if (replace || api.nodes[nodeId] === undefined) api.nodes[nodeId] = key;
  return api.nodes[nodeId] as string;
}

/** Pins in memory only: for tests and short programs that should not remember anything. */
class MemoryTrustStore implements TrustStore {
  readonly #pins: Record<string, ApiPins> = {};

  async directoryKey(apiUrl: string): Promise<string | undefined> {
    return this.#pins[apiKey(apiUrl)]?.directory_key_spki;
  }

  async nodeIdentityKey(apiUrl: string, nodeId: string): Promise<string | undefined> {
    return this.#pins[apiKey(apiUrl)]?.nodes[nodeId];
  }

  async pinDirectoryKey(apiUrl: string, key: string, options: { replace?: boolean } = {}): Promise<string> {
    return pinInto(this.#pins, apiUrl, key, options.replace === true);
  }

  async pinNodeIdentityKey(apiUrl: string, nodeId: string, key: string, options: { replace?: boolean } = {}): Promise<string> {
    return pinInto(this.#pins, apiUrl, key, options.replace === true, nodeId);
  }

  async list(): Promise<Record<string, ApiPins>> {
    return structuredClone(this.#pins);
  }
}

/** Pins in one JSON file, by default `~/.b3iq/known-keys.json`. */
class FileTrustStore implements TrustStore {
  readonly file: string;
  #writing: Promise<unknown> = Promise.resolve();

  constructor(file: string = path.join(homedir(), '.b3iq', 'known-keys.json')) {
    this.file = file;
  }

  async #read(): Promise<KnownKeysFile> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, apis: {} };
      throw error;
    }
    const parsed = JSON.parse(text) as Partial<KnownKeysFile>;
    if (parsed?.version !== 1 || typeof parsed.apis !== 'object' || parsed.apis === null) {
      throw new Error(`${this.file} is not a b3iq known-keys file (version 1)`);
    }
    return parsed as KnownKeysFile;
  }

  /**
   * Read, change and write back, one change at a time within this process. Two processes pinning at
   * the same moment may lose one of the two new pins (never change an existing one): it is pinned
   * again on its next use.
   */
  #update<T>(change: (pins: Record<string, ApiPins>) => T): Promise<T> {
    const next = this.#writing.then(async () => {
      const content = await this.#read();
      const before = JSON.stringify(content);
      const result = change(content.apis);
      if (JSON.stringify(content) === before) return result; // nothing new: the file stays as it is
      await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const temporary = `${this.file}.${randomUUID()}.tmp`;
      await writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      await rename(temporary, this.file);
      return result;
    });
    this.#writing = next.catch(() => undefined);
    return next;
  }

  async directoryKey(apiUrl: string): Promise<string | undefined> {
    return (await this.#read()).apis[apiKey(apiUrl)]?.directory_key_spki;
  }

  async nodeIdentityKey(apiUrl: string, nodeId: string): Promise<string | undefined> {
    return (await this.#read()).apis[apiKey(apiUrl)]?.nodes[nodeId];
  }

  pinDirectoryKey(apiUrl: string, key: string, options: { replace?: boolean } = {}): Promise<string> {
    return this.#update((pins) => pinInto(pins, apiUrl, key, options.replace === true));
  }

  pinNodeIdentityKey(apiUrl: string, nodeId: string, key: string, options: { replace?: boolean } = {}): Promise<string> {
    return this.#update((pins) => pinInto(pins, apiUrl, key, options.replace === true, nodeId));
  }

  async list(): Promise<Record<string, ApiPins>> {
    return (await this.#read()).apis;
  }
}

export type { ApiPins, TrustStore };
export { FileTrustStore, fingerprint, MemoryTrustStore };
