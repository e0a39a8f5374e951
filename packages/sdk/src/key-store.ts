/**
 * Where a request's ephemeral X25519 secret waits until the answer is opened: it is the only key
 * that opens the node's response. One file per job, mode 0600 in a 0700 folder; never logged.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

interface PendingJobKey {
  customer_id: string;
  job_id: string;
  node_id: string;
  model_id: string;
  key_id: string;
  /** base64url X25519 secret key of the request's sender. */
  ephemeral_secret_key: string;
  /** envelopeSha256 of the request as sealed: the node's receipt must state it (absent in keys saved before receipts were checked). */
  request_sha256?: string;
  created_at: string;
}

interface KeyStore {
  /** Saves the key; unless `replace`, refuses (returns false) when the job already has one. */
  save(key: PendingJobKey, options?: { replace?: boolean }): Promise<boolean>;
  load(customerId: string, jobId: string): Promise<PendingJobKey | undefined>;
  delete(customerId: string, jobId: string): Promise<void>;
}

/** Job keys as files under `directory/<customer>/<job>.json`. */
class FileKeyStore implements KeyStore {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = directory;
  }

  #file(customerId: string, jobId: string): string {
    // Ids are limited to [A-Za-z0-9_.:-], and encoding keeps ':' out of file names.
    return path.join(this.directory, encodeURIComponent(customerId), `${encodeURIComponent(jobId)}.json`);
  }

  async save(key: PendingJobKey, options: { replace?: boolean } = {}): Promise<boolean> {
    const file = this.#file(key.customer_id, key.job_id);
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      await writeFile(file, `${JSON.stringify(key)}\n`, { mode: 0o600, flag: options.replace ? 'w' : 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  async load(customerId: string, jobId: string): Promise<PendingJobKey | undefined> {
    try {
      return JSON.parse(await readFile(this.#file(customerId, jobId), 'utf8')) as PendingJobKey;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async delete(customerId: string, jobId: string): Promise<void> {
    await rm(this.#file(customerId, jobId), { force: true });
  }
}

/** Job keys in memory only: for short-lived programs that submit, wait and open in one run. */
class MemoryKeyStore implements KeyStore {
  readonly #keys = new Map<string, PendingJobKey>();

  async save(key: PendingJobKey, options: { replace?: boolean } = {}): Promise<boolean> {
    const id = `${key.customer_id}\n${key.job_id}`;
    if (!options.replace && this.#keys.has(id)) return false;
    this.#keys.set(id, key);
    return true;
  }

  async load(customerId: string, jobId: string): Promise<PendingJobKey | undefined> {
    return this.#keys.get(`${customerId}\n${jobId}`);
  }

  async delete(customerId: string, jobId: string): Promise<void> {
    this.#keys.delete(`${customerId}\n${jobId}`);
  }
}

export type { KeyStore, PendingJobKey };
export { FileKeyStore, MemoryKeyStore };
