/**
 * A node's receipt as the control plane accepts it (the protocol's check, answered as 400
 * `invalid_receipt`) and as it publishes it.
 */
import { type ExpectedReceipt, type Receipt, type ReceiptView, verifyReceipt } from '@b3iq/protocol';
import { Problem } from './problems.js';

/** The receipt, if its text states exactly what is expected and the node's identity key signed it. */
function acceptReceipt(text: unknown, signature: unknown, identityPublicKey: string, expected: ExpectedReceipt): Receipt {
  const checked = verifyReceipt(text, signature, identityPublicKey, expected);
  if (checked.invalid !== undefined) throw new Problem('invalid_receipt', checked.invalid);
  return checked.receipt;
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

export { acceptReceipt, receiptView };
