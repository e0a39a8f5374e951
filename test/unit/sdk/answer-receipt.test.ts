/** The receipt check before an answer is opened: each field the client knows must be what the node signed. */
import { type Receipt, type ReceiptView, receiptHash, receiptText, signReceipt } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';
import { checkReceipt, type ReceiptExpectation } from '../../../packages/sdk/src/answer-receipt.js';
import { identity } from '../support/signed-node.js';

const node = identity();
const RECEIPT: Receipt = {
  type: 'b3iq-receipt-v1',
  node_id: 'node-a',
  model_id: 'm-1',
  job_id: 'job-1',
  command_id: 'cmd-1',
  usage: { prompt_tokens: 3, completion_tokens: 4 },
  price_wei: '5',
  request_sha256: 'a'.repeat(64),
  response_sha256: 'b'.repeat(64),
  issued_at: '2026-06-01T00:00:00Z',
};

/** The receipt as GET /v1/receipts serves it, signed by `signer`. */
function served(receipt: Receipt, signer = node.secretKey): ReceiptView {
  const text = receiptText(receipt);
  return {
    receipt_hash: receiptHash(text),
    job_id: receipt.job_id,
    node_id: receipt.node_id,
    model_id: receipt.model_id,
    status: 'accepted',
    received_at: '2026-06-01T00:00:01Z',
    signature_ed25519: signReceipt(signer, text),
    receipt: JSON.parse(text),
  };
}

const HONEST = served(RECEIPT);
const EXPECTED: ReceiptExpectation = {
  receiptHash: HONEST.receipt_hash,
  identityKey: node.publicKey,
  node_id: 'node-a',
  model_id: 'm-1',
  job_id: 'job-1',
  request_sha256: 'a'.repeat(64),
  response_sha256: 'b'.repeat(64),
};

describe('checkReceipt', () => {
  it('returns the receipt the node signed when it states what the client expects', () => {
    expect(checkReceipt(HONEST, EXPECTED)).toEqual({ receipt: RECEIPT });
  });

  it.each<{ case: string; view?: ReceiptView; expected?: Partial<ReceiptExpectation>; problem: string }>([
    { case: 'another node', expected: { node_id: 'node-b' }, problem: 'another node' },
    { case: 'another model', expected: { model_id: 'm-2' }, problem: 'another model' },
    { case: 'another job', expected: { job_id: 'job-2' }, problem: 'another job' },
    { case: 'another request (not the client’s own)', expected: { request_sha256: 'c'.repeat(64) }, problem: 'request_sha256' },
    { case: 'another response (not the one opened)', expected: { response_sha256: 'c'.repeat(64) }, problem: 'response_sha256' },
    { case: 'a signature by another identity key', view: served(RECEIPT, identity().secretKey), problem: 'signature does not verify' },
    { case: 'a pinned key other than the signer', expected: { identityKey: identity().publicKey }, problem: 'signature does not verify' },
    { case: 'no signature', view: { ...HONEST, signature_ed25519: '' }, problem: 'signature does not verify' },
    {
      case: 'a receipt other than the one whose hash the job names',
      view: served({ ...RECEIPT, price_wei: '6' }),
      problem: 'not the one whose hash',
    },
    {
      case: 'a changed field under the same hash',
      view: { ...HONEST, receipt: { ...HONEST.receipt, response_sha256: 'c'.repeat(64) } },
      problem: 'not the one whose hash',
    },
    { case: 'another receipt_hash in the view', view: { ...HONEST, receipt_hash: 'f'.repeat(64) }, problem: 'not the one whose hash' },
    {
      case: 'a receipt that is not an object',
      view: { ...HONEST, receipt: null as unknown as ReceiptView['receipt'] },
      problem: 'not a JSON object',
    },
  ])('refuses a receipt with $case', ({ view, expected, problem }) => {
    // Act
    const checked = checkReceipt(view ?? HONEST, { ...EXPECTED, ...expected });

    // Assess
    expect(checked).toEqual({ problem: expect.stringContaining(problem) });
  });
});
