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
  WebhookEndpointCreated,
  WebhookEndpointList,
  WebhookEndpointView,
  WebhookEvent,
  WebhookHeaders,
} from '@b3iq/protocol';
/** Standard Webhooks verification of a B3IQ delivery: `verifyWebhook(rawBody, headers, secret)` answers the parsed event or throws. */
export {
  B3iqApiError,
  B3iqRedirectError,
  B3iqUnavailableError,
  openEnvelope,
  sealEnvelope,
  TERMINAL_STATUSES,
  verifyWebhook,
  WEBHOOK_EVENTS,
  WebhookVerificationError,
} from '@b3iq/protocol';
export type {
  B3iqClientOptions,
  ListJobsOptions,
  ListNodesOptions,
  PinChange,
  SubmitJobInput,
  VerifiedNode,
  WaitOptions,
} from './client.js';
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
