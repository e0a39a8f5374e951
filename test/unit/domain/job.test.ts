import type { Envelope } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';
import { acceptanceView, billingJobView, type Job, type JobEnvelopes, jobView, nodeCommand } from '../../../lambdas/domain/job.js';

const REQUEST: Envelope = {
  version: 'b3iq-private-transport-v1',
  key_id: 'tk-1',
  algorithm: 'x25519-hkdf-sha256-chacha20poly1305',
  client_public_key_x25519: 'A'.repeat(43),
  nonce: 'B'.repeat(16),
  ciphertext: 'C'.repeat(22),
};

const RESPONSE: Envelope = { ...REQUEST, ciphertext: 'D'.repeat(22) };

/** A job that has been answered: every field differs from the others, so a swapped field shows. */
function completedJob(): Job {
  return {
    customer_id: 'cus-1',
    job_id: 'job-1',
    node_id: 'node-1',
    model_id: 'llama-3.1-8b-instruct',
    command_id: 'cmd-1',
    status: 'completed',
    billing_status: 'debited',
    quote: { policy_version: 'flat-v1', quoted_price_wei: 1_000n, reserved_price_wei: 1_001n, payout_price_wei: 900n },
    reservation_bucket: 7,
    request_fingerprint: 'f'.repeat(64),
    request_sha256: 'a'.repeat(64),
    request_key_id: 'tk-1',
    receipt_hash: 'e'.repeat(64),
    created_at: '2026-01-01T00:00:00.000Z',
    claim_deadline: '2026-01-01T00:15:00.000Z',
    completion_deadline: '2026-01-01T01:00:00.000Z',
    claimed_at: '2026-01-01T00:01:00.000Z',
    completed_at: '2026-01-01T00:02:00.000Z',
  };
}

describe('acceptanceView', () => {
  it('answers the first acceptance (queued, reserved) whatever the job became since (replay)', () => {
    // Act
    const view = acceptanceView(completedJob());

    // Assess
    expect(view).toEqual({
      status: 'queued',
      job_id: 'job-1',
      node_id: 'node-1',
      command_id: 'cmd-1',
      billing: {
        customer_id: 'cus-1',
        policy_version: 'flat-v1',
        quoted_price_wei: '1000',
        reserved_price_wei: '1001',
        payout_price_wei: '900',
        status: 'reserved',
      },
      created_at: '2026-01-01T00:00:00.000Z',
    });
  });
});

describe('jobView', () => {
  it('shows the job as it stands, with its envelopes and billing status (completed)', () => {
    // Prepare
    const envelopes: JobEnvelopes = { encrypted_request: REQUEST, encrypted_response: RESPONSE };

    // Act
    const view = jobView(completedJob(), envelopes);

    // Assess
    expect(view).toEqual({
      job_id: 'job-1',
      node_id: 'node-1',
      model_id: 'llama-3.1-8b-instruct',
      status: 'completed',
      encrypted_request: REQUEST,
      encrypted_response: RESPONSE,
      receipt_hash: 'e'.repeat(64),
      billing: {
        customer_id: 'cus-1',
        policy_version: 'flat-v1',
        quoted_price_wei: '1000',
        reserved_price_wei: '1001',
        payout_price_wei: '900',
        status: 'debited',
      },
      created_at: '2026-01-01T00:00:00.000Z',
      claim_deadline: '2026-01-01T00:15:00.000Z',
      completion_deadline: '2026-01-01T01:00:00.000Z',
      completed_at: '2026-01-01T00:02:00.000Z',
    });
  });

  it('shows purged envelopes as null and leaves out what only the store keeps (purged)', () => {
    // Act
    const view = jobView(completedJob(), { encrypted_request: null, encrypted_response: null });

    // Assess
    expect(view.encrypted_request).toBeNull();
    expect(view.encrypted_response).toBeNull();
    for (const internal of [
      'customer_id',
      'request_fingerprint',
      'request_sha256',
      'request_key_id',
      'command_id',
      'claimed_at',
      'quote',
    ]) {
      expect(view).not.toHaveProperty(internal);
    }
  });
});

describe('billingJobView', () => {
  it('shows the money of the job and never an envelope (billing)', () => {
    // Act
    const view = billingJobView(completedJob());

    // Assess
    expect(view).toEqual({
      job_id: 'job-1',
      node_id: 'node-1',
      model_id: 'llama-3.1-8b-instruct',
      status: 'completed',
      billing_status: 'debited',
      customer_id: 'cus-1',
      quoted_price_wei: '1000',
      reserved_price_wei: '1001',
      payout_price_wei: '900',
      receipt_hash: 'e'.repeat(64),
      created_at: '2026-01-01T00:00:00.000Z',
      completed_at: '2026-01-01T00:02:00.000Z',
    });
  });
});

describe('nodeCommand', () => {
  it('carries what the node needs, the quoted price, and no customer identity (command)', () => {
    // Act
    const command = nodeCommand(completedJob(), REQUEST);

    // Assess
    expect(command).toEqual({
      type: 'private_inference',
      command_id: 'cmd-1',
      job_id: 'job-1',
      node_id: 'node-1',
      model_id: 'llama-3.1-8b-instruct',
      price_wei: '1000',
      encrypted_request: REQUEST,
      created_at: '2026-01-01T00:00:00.000Z',
    });
    expect(JSON.stringify(command)).not.toContain('cus-1');
  });
});
