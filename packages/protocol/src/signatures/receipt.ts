/**
 * `b3iq-receipt-v1`: the node's signed statement of what it did for a job. It binds node, model,
 * job and command, the usage it reports, the price, and the SHA-256 of both envelopes. The node
 * sends the receipt as the exact JSON text it signed; `receipt_hash` is the lowercase hex
 * SHA-256 of those UTF-8 bytes, so anyone holding the text can check both.
 */
import { createHash } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { decodeBase64url, encodeBase64url } from '../encoding/base64url.js';
import { isTimestamp } from '../encoding/timestamp.js';

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

/** A verified receipt, or why the receipt is not acceptable (a sentence safe to show the node). */
type ReceiptCheck = { receipt: Receipt; invalid?: undefined } | { invalid: string };

const invalid = (detail: string): ReceiptCheck => ({ invalid: detail });

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** The receipt, if its text states exactly what is expected and the node's identity key signed it; else why not. */
function verifyReceipt(text: unknown, signature: unknown, identityPublicKey: string, expected: ExpectedReceipt): ReceiptCheck {
  if (typeof text !== 'string') return invalid('"receipt" must be the receipt\'s JSON text, as signed');
  let receipt: Receipt;
  try {
    receipt = JSON.parse(text) as Receipt;
  } catch {
    return invalid('"receipt" is not JSON');
  }
  if (typeof receipt !== 'object' || receipt === null || Object.keys(receipt).some((name) => !FIELDS.includes(name))) {
    return invalid(`the receipt must be an object with exactly ${FIELDS.join(', ')}`);
  }
  if (receipt.type !== RECEIPT_TYPE) return invalid(`receipt type must be "${RECEIPT_TYPE}"`);
  for (const [name, value] of Object.entries(expected)) {
    if (receipt[name as keyof ExpectedReceipt] !== value) return invalid(`receipt ${name} does not match the job`);
  }
  if (!isCount(receipt.usage?.prompt_tokens) || !isCount(receipt.usage?.completion_tokens) || Object.keys(receipt.usage).length !== 2) {
    return invalid('receipt usage must be {"prompt_tokens", "completion_tokens"} as non-negative integers');
  }
  if (!isTimestamp(receipt.issued_at)) return invalid('receipt issued_at must be an RFC 3339 UTC timestamp');
  // One text per receipt: no repeated keys, reordering or whitespace that readers could take differently.
  if (text !== receiptText(receipt))
    return invalid('the receipt text is not in its canonical form (fields in order, no spaces, no repeats)');
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
  if (!verified) return invalid("the receipt signature does not verify with the node's identity key");
  return { receipt };
}

export type { ExpectedReceipt, Receipt, ReceiptCheck };
export { RECEIPT_TYPE, receiptHash, receiptText, signReceipt, verifyReceipt };
