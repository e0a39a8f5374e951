/** What the B3IQ control plane answers, as the SDK hands it to callers. Amounts are wei strings. */
import type { Envelope } from '../transport/envelope.js';

type JobStatus = 'queued' | 'claimed' | 'completed' | 'failed' | 'expired' | 'cancelled';

interface Billing {
  customer_id: string;
  policy_version: string;
  quoted_price_wei: string;
  reserved_price_wei: string;
  payout_price_wei: string;
  status: 'reserved' | 'debited' | 'released';
}

/** The 202 answer to a submission. */
interface AcceptedJob {
  status: 'queued';
  job_id: string;
  node_id: string;
  command_id: string;
  billing: Billing;
  created_at: string;
}

interface JobView {
  job_id: string;
  node_id: string;
  model_id: string;
  status: JobStatus;
  /** `null` once the retention period after the job ended has purged it. */
  encrypted_request: Envelope | null;
  /** `null` until the job completes, and again once purged. */
  encrypted_response: Envelope | null;
  receipt_hash: string | null;
  billing: Billing;
  created_at: string;
  /** A node must claim the job by then, else it expires and its reservation is released. */
  claim_deadline: string;
  /** The job must be answered by then, else it expires and its reservation is released. */
  completion_deadline: string;
  completed_at: string | null;
}

interface PublishedTransportKey {
  key_id: string;
  public_key_x25519: string;
  signed_record: string;
  signature: string;
  /** The end of the key's validity window (also in the signed record); null: no end set. */
  valid_until?: string | null;
}

interface NodeView {
  node_id: string;
  status: 'active' | 'disabled';
  models: { model_id: string; price_wei: string }[];
  transport_keys: PublishedTransportKey[];
}

interface AccountView {
  customer_id: string;
  balance_wei: string;
  reserved_wei: string;
  available_wei: string;
  policy_version: string;
}

interface KeyDirectoryView {
  algorithm: 'ECDSA_SHA_256';
  public_key_spki: string;
}

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
  NodeView,
  PublishedTransportKey,
};
export { TERMINAL_STATUSES };
