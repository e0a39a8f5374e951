/**
 * The B3IQ private-inference customer SDK.
 *
 * @example
 * import { B3iqClient, FileKeyStore } from 'b3iq-private-inference/sdk';
 */

export type {
  AcceptedJob,
  AccountView,
  Billing,
  ChatMessage,
  Envelope,
  InferenceRequest,
  InferenceResponse,
  JobStatus,
  JobView,
  KeyDirectoryView,
  NodeView,
  PublishedTransportKey,
  Receipt,
  ReceiptView,
  RetryPolicy,
} from '@b3iq/protocol';
export { B3iqApiError, B3iqRedirectError, B3iqUnavailableError, openEnvelope, sealEnvelope, TERMINAL_STATUSES } from '@b3iq/protocol';
export type { B3iqClientOptions, PinChange, SubmitJobInput, VerifiedNode, WaitOptions } from './client.js';
export { B3iqClient } from './client.js';
export type { ClientConfig } from './config.js';
export { clientConfigFromEnvironment } from './config.js';
export type { PinSubject } from './errors.js';
export {
  B3iqConfigError,
  B3iqDecryptError,
  B3iqJobIdInUseError,
  B3iqKeyChangedError,
  B3iqKeyTrustError,
  B3iqReceiptError,
  B3iqTimeoutError,
} from './errors.js';
export type { KeyStore, PendingJobKey } from './key-store.js';
export { FileKeyStore, MemoryKeyStore } from './key-store.js';
export type { ProxyOptions, RunningProxy } from './proxy/server.js';
export { startProxy } from './proxy/server.js';
export type { ApiPins, TrustStore } from './trust-store.js';
export { FileTrustStore, fingerprint, MemoryTrustStore } from './trust-store.js';
