/**
 * What the B3IQ control plane answers, as the SDK, the CLI and the agent read it. Amounts are wei
 * strings. Every answer's type is inferred from its one declaration in `schemas/responses.ts`, the
 * same declaration the server's views are typed from and its OpenAPI document renders.
 */
import type {
  AccountView,
  BillingView,
  JobAccepted,
  JobStatus,
  JobView,
  KeyDirectoryView,
  NodeCommand,
  NodeView,
} from '../schemas/responses.js';
import type { Envelope } from '../transport/envelope.js';

/** The 202 answer to a submission. */
type AcceptedJob = JobAccepted;
type Billing = BillingView;
type PublishedTransportKey = NodeView['transport_keys'][number];

interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The plaintext sealed for the node. */
interface InferenceRequest {
  messages: ChatMessage[];
  max_tokens?: number;
  temperature?: number;
}

/** The plaintext the node seals back: an answer, or the reason inference failed on the node. */
type InferenceResponse =
  | { message: { role: 'assistant'; content: string }; usage: { prompt_tokens: number; completion_tokens: number } }
  | { error: { code: string; message: string } };

const TERMINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'expired', 'cancelled'];

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
  NodeCommand,
  NodeView,
  PublishedTransportKey,
};
export { TERMINAL_STATUSES };
