/**
 * `b3iq-receipt-v1`: the node's signed statement of what it did for a job. It binds node, model,
 * job and command, the usage it reports, the price, and the SHA-256 of both envelopes. The node
 * sends the receipt as the exact JSON text it signed; `receipt_hash` is the lowercase hex
 * SHA-256 of those UTF-8 bytes, so anyone holding the text can check both.
 */
import { createHash } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { Problem } from '../../../../lambdas/domain/problems.js';
import { decodeBase64url, encodeBase64url } from '../encoding/base64url.js';
import { isTimestamp } from '../encoding/timestamp.js';
import type { ReceiptView } from '../schemas/responses.js';

const RECEIPT_TYPE = 'b3iq-receipt-v1';

interface Receipt {
  type: typeof RECEIPT_TYPE;
  node_id: string;
  model_id: string;
  job_id: string;
  command_id: string;
  usage: { prompt_tokens: number; completion_tokens: number };
  price_wei: string;
  request_sha256: string;
  response_sha256: string;
  issued_at: string;
}

/** What the control plane knows a receipt for this job must say. */
type ExpectedReceipt = Omit<Receipt, 'type' | 'usage' | 'issued_at'>;

const FIELDS = [
  'type',
  'node_id',
  'model_id',
  'job_id',
  'command_id',
  'usage',
  'price_wei',
  'request_sha256',
  'response_sha256',
  'issued_at',
];

/** The receipt's canonical text, the only one accepted: fields (and usage fields) in a fixed order, no spaces. */
function receiptText(receipt: Receipt): string {
  const usage =
    receipt.usage === undefined
      ? undefined
      : { prompt_tokens: receipt.usage.prompt_tokens, completion_tokens: receipt.usage.completion_tokens };
  return JSON.stringify(Object.fromEntries(FIELDS.map((name) => [name, name === 'usage' ? usage : receipt[name as keyof Receipt]])));
}

function receiptHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function signReceipt(identitySecretKey: Uint8Array, text: string): string {
  return encodeBase64url(ed25519.sign(new TextEncoder().encode(text), identitySecretKey));
}

const invalid = (detail: string) => new Problem('invalid_receipt', detail);

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** The receipt, if its text states exactly what is expected and the node's identity key signed it. */
function acceptReceipt(text: unknown, signature: unknown, identityPublicKey: string, expected: ExpectedReceipt): Receipt {
  if (typeof text !== 'string') throw invalid('"receipt" must be the receipt\'s JSON text, as signed');
  let receipt: Receipt;
  try {
    receipt = JSON.parse(text) as Receipt;
  } catch {
    throw invalid('"receipt" is not JSON');
  }
  if (typeof receipt !== 'object' || receipt === null || Object.keys(receipt).some((name) => !FIELDS.includes(name))) {
    throw invalid(`the receipt must be an object with exactly ${FIELDS.join(', ')}`);
  }
  if (receipt.type !== RECEIPT_TYPE) throw invalid(`receipt type must be "${RECEIPT_TYPE}"`);
  for (const [name, value] of Object.entries(expected)) {
    if (receipt[name as keyof ExpectedReceipt] !== value) throw invalid(`receipt ${name} does not match the job`);
  }
  if (!isCount(receipt.usage?.prompt_tokens) || !isCount(receipt.usage?.completion_tokens) || Object.keys(receipt.usage).length !== 2) {
    throw invalid('receipt usage must be {"prompt_tokens", "completion_tokens"} as non-negative integers');
  }
  if (!isTimestamp(receipt.issued_at)) throw invalid('receipt issued_at must be an RFC 3339 UTC timestamp');
  // One text per receipt: no repeated keys, reordering or whitespace that readers could take differently.
  if (text !== receiptText(receipt))
    throw invalid('the receipt text is not in its canonical form (fields in order, no spaces, no repeats)');
  const signatureBytes = typeof signature === 'string' ? decodeBase64url(signature) : undefined;
  const publicKey = decodeBase64url(identityPublicKey);
  let verified = false;
  try {
    verified =
      signatureBytes?.length === 64 &&
      publicKey !== undefined &&
      ed25519.verify(signatureBytes, new TextEncoder().encode(text), publicKey, { zip215: false });
  } catch {
    verified = false;
  }
  if (!verified) throw invalid("the receipt signature does not verify with the node's identity key");
  return receipt;
}

/** A receipt as the store keeps it: the fields it is published with, and its exact signed text. */
type StoredReceiptFields = Omit<ReceiptView, 'receipt'> & { receipt_text: string };

/** `GET /v1/receipts/{receipt_hash}`: the signed text as a document, with nothing that identifies the customer. */
function receiptView(stored: StoredReceiptFields): ReceiptView {
  return {
    receipt_hash: stored.receipt_hash,
    job_id: stored.job_id,
    node_id: stored.node_id,
    model_id: stored.model_id,
    status: stored.status,
    received_at: stored.received_at,
    signature_ed25519: stored.signature_ed25519,
    // Accepted only as a valid b3iq-receipt-v1 (acceptReceipt), and stored as that exact text.
    receipt: JSON.parse(stored.receipt_text) as ReceiptView['receipt'],
  };
}

export type { ExpectedReceipt, Receipt };
export { acceptReceipt, RECEIPT_TYPE, receiptHash, receiptText, receiptView, signReceipt };
