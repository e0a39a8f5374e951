/**
 * An answer is the node's only if the node's signed receipt says so. A response envelope can be
 * sealed to the request's ephemeral key by anyone holding the request (the control plane, the
 * table, a proxy), so the client opens one only after checking the receipt: its hash, the pinned
 * identity key's signature, and that it states the client's own request and this very response.
 */
import { type Receipt, type ReceiptView, receiptHash, receiptText, verifyReceipt } from '@b3iq/protocol';

/** What the client knows the receipt must state. */
interface ReceiptExpectation {
  receiptHash: string;
  /** The identity key the client pinned for the node. */
  identityKey: string;
  node_id?: string;
  model_id?: string;
  job_id?: string;
  /** envelopeSha256 of the request the client sealed. */
  request_sha256?: string;
  /** envelopeSha256 of the response about to be opened. */
  response_sha256?: string;
}

const BOUND_FIELDS = ['node_id', 'model_id', 'job_id', 'request_sha256', 'response_sha256'] as const;

const FIELD_WORDS: Record<(typeof BOUND_FIELDS)[number], string> = {
  node_id: 'another node',
  model_id: 'another model',
  job_id: 'another job',
  request_sha256: 'another request than the one this client sealed',
  response_sha256: 'another response than the one being opened',
};

/** The receipt if `view` is the receipt expected, signed by the pinned key; else why not. */
function checkReceipt(view: ReceiptView, expected: ReceiptExpectation): { receipt: Receipt } | { problem: string } {
  const stated = view.receipt as unknown as Receipt;
  if (typeof stated !== 'object' || stated === null) return { problem: 'the receipt is not a JSON object' };
  let text: string;
  try {
    text = receiptText(stated);
  } catch {
    return { problem: 'the receipt is malformed' };
  }
  if (receiptHash(text) !== expected.receiptHash || view.receipt_hash !== expected.receiptHash) {
    return { problem: `the receipt served is not the one whose hash is ${expected.receiptHash}` };
  }
  for (const field of BOUND_FIELDS) {
    const value = expected[field];
    if (value !== undefined && stated[field] !== value) return { problem: `the receipt states ${FIELD_WORDS[field]} (${field})` };
  }
  // The form (exact fields, canonical text) and the signature, against what the receipt itself states for the rest.
  const check = verifyReceipt(text, view.signature_ed25519, expected.identityKey, {
    node_id: stated.node_id,
    model_id: stated.model_id,
    job_id: stated.job_id,
    command_id: stated.command_id,
    price_wei: stated.price_wei,
    request_sha256: stated.request_sha256,
    response_sha256: stated.response_sha256,
  });
  if (check.invalid !== undefined) return { problem: check.invalid };
  return { receipt: check.receipt };
}

export type { ReceiptExpectation };
export { checkReceipt };
