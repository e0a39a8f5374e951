/**
 * The B3IQ private-inference customer SDK.
 *
 * @example
 * import { B3iqClient, FileKeyStore } from 'b3iq-private-inference/sdk';
 */

export { openEnvelope, sealEnvelope } from '../lambdas/transport/seal.js';
export type { B3iqClientOptions, SubmitJobInput, VerifiedNode, WaitOptions } from './client.js';
export { B3iqClient } from './client.js';
export type { ClientConfig } from './config.js';
export { clientConfigFromEnvironment } from './config.js';
export {
  B3iqApiError,
  B3iqConfigError,
  B3iqDecryptError,
  B3iqJobIdInUseError,
  B3iqKeyTrustError,
  B3iqTimeoutError,
  B3iqUnavailableError,
} from './errors.js';
export type { RetryPolicy } from './http.js';
export type { KeyStore, PendingJobKey } from './key-store.js';
export { FileKeyStore, MemoryKeyStore } from './key-store.js';
export type * from './types.js';
export { TERMINAL_STATUSES } from './types.js';
