import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { JobStatus } from '@b3iq/protocol';
import { type Envelope, encodeBase64url, MAX_CIPHERTEXT_BYTES, TRANSPORT_ALGORITHM, TRANSPORT_VERSION } from '@b3iq/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Item } from '../../../../lambdas/adapters/dynamodb/attributes.js';
import { jobIdsFromKey } from '../../../../lambdas/adapters/dynamodb/items.js';
import {
  envelopeToItems,
  jobEnvelopesFromItems,
  jobFromItem,
  jobToItem,
  openShardKey,
  openShardOf,
} from '../../../../lambdas/adapters/dynamodb/job-items.js';
import type { Job } from '../../../../lambdas/domain/job.js';
import { OPEN_JOB_SHARDS, OPEN_SHARDS } from '../../../../lambdas/services/ports/open-jobs.js';

/** DynamoDB's item limit, 400 KB (counted as 400 × 1024 bytes; we stay under 400 000 to be safe). */
const ITEM_LIMIT_BYTES = 400_000;
const EXPIRES_AT = 1_790_000_000;
const LONGEST_CUSTOMER_ID = `c${'x'.repeat(127)}`;
const LONGEST_JOB_ID = `j${'y'.repeat(127)}`;

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * An item's size as DynamoDB counts it, rounded up: each attribute name's UTF-8 bytes plus its
 * value (strings by UTF-8 bytes, numbers at their 21-byte maximum, 1 byte for NULL/BOOL, lists and
 * maps 3 bytes plus their elements).
 */
function itemSize(item: Item): number {
  const valueSize = (value: AttributeValue): number => {
    if (value.S !== undefined) return utf8(value.S);
    if (value.N !== undefined) return 21;
    if (value.NULL !== undefined || value.BOOL !== undefined) return 1;
    if (value.L !== undefined) return 3 + value.L.reduce((sum, entry) => sum + 1 + valueSize(entry), 0);
    if (value.M !== undefined)
      return 3 + Object.entries(value.M).reduce((sum, [name, entry]) => sum + 1 + utf8(name) + valueSize(entry), 0);
    throw new Error(`unsized attribute ${JSON.stringify(value)}`);
  };
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0);
}

function envelope(ciphertextBytes: number, overrides: Partial<Envelope> = {}): Envelope {
  return {
    version: TRANSPORT_VERSION,
    key_id: 'tk-1',
    algorithm: TRANSPORT_ALGORITHM,
    client_public_key_x25519: encodeBase64url(new Uint8Array(32).fill(7)),
    nonce: encodeBase64url(new Uint8Array(12).fill(3)),
    ciphertext: encodeBase64url(Uint8Array.from({ length: ciphertextBytes }, (_, index) => (index * 131) % 256)),
    aad_hash: encodeBase64url(new Uint8Array(32).fill(1)),
    ...overrides,
  };
}

/** The largest envelope the contract lets in: 512 KiB ciphertext, the longest key id, an aad_hash. */
const MAX_ENVELOPE = envelope(MAX_CIPHERTEXT_BYTES, { key_id: `k${'z'.repeat(63)}` });

/** A deterministic shuffle (the store reads a partition in sort-key order, which puts part 10 before part 2). */
function shuffled<T>(values: T[], seed: number): T[] {
  const out = [...values];
  let state = seed;
  for (let index = out.length - 1; index > 0; index--) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const other = state % (index + 1);
    [out[index], out[other]] = [out[other]!, out[index]!];
  }
  return out;
}

function job(status: JobStatus, overrides: Partial<Job> = {}): Job {
  const open = status === 'queued' || status === 'claimed';
  return {
    customer_id: 'acme',
    job_id: 'job-1',
    node_id: 'node-alpha',
    model_id: 'meta/llama-3.1-8b',
    command_id: 'cmd-1',
    status,
    billing_status: open ? 'reserved' : status === 'completed' ? 'debited' : 'released',
    quote: { policy_version: 'flat-v1', quoted_price_wei: 1000n, reserved_price_wei: 1100n, payout_price_wei: 900n },
    reservation_bucket: 7,
    request_fingerprint: 'f'.repeat(64),
    request_sha256: 'a'.repeat(64),
    request_key_id: 'tk-1',
    receipt_hash: status === 'completed' ? 'b'.repeat(64) : null,
    created_at: '2026-01-02T03:04:05.678Z',
    claim_deadline: '2026-01-02T03:19:05.678Z',
    completion_deadline: '2026-01-02T04:04:05.678Z',
    claimed_at: status === 'queued' ? null : '2026-01-02T03:05:00.000Z',
    completed_at: open ? null : '2026-01-02T03:30:00.000Z',
    ...overrides,
  };
}

describe('envelopeToItems', () => {
  it('stores a small envelope as one part next to its job (one part)', () => {
    // Prepare
    const small = envelope(16);

    // Act
    const items = envelopeToItems('acme', 'job-1', 'request', small, EXPIRES_AT);

    // Assess
    expect(items).toEqual([
      {
        pk: { S: 'JOB#acme#job-1' },
        sk: { S: 'ENVELOPE#request#0' },
        entity: { S: 'envelope' },
        part: { N: '0' },
        parts: { N: '1' },
        text: { S: JSON.stringify(small) },
        expires_at: { N: String(EXPIRES_AT) },
      },
    ]);
  });

  it.each([
    { case: 'request', kind: 'request' as const },
    { case: 'response', kind: 'response' as const },
  ])('splits the largest $case envelope into parts that each fit a DynamoDB item (max size)', ({ kind }) => {
    // Act
    const items = envelopeToItems(LONGEST_CUSTOMER_ID, LONGEST_JOB_ID, kind, MAX_ENVELOPE, EXPIRES_AT);

    // Assess
    expect(JSON.stringify(MAX_ENVELOPE).length).toBeGreaterThan(ITEM_LIMIT_BYTES);
    expect(items.length).toBeGreaterThan(1);
    for (const item of items) {
      expect(itemSize(item)).toBeLessThan(ITEM_LIMIT_BYTES);
      expect(item.parts).toEqual({ N: String(items.length) });
      expect(item.expires_at).toEqual({ N: String(EXPIRES_AT) });
      expect(item.pk).toEqual({ S: `JOB#${LONGEST_CUSTOMER_ID}#${LONGEST_JOB_ID}` });
    }
    expect(items.map((item) => item.sk?.S)).toEqual(items.map((_, part) => `ENVELOPE#${kind}#${part}`));
    expect(items.map((item) => item.part?.N)).toEqual(items.map((_, part) => String(part)));
    expect(items.map((item) => item.text?.S).join('')).toBe(JSON.stringify(MAX_ENVELOPE));
  });

  it('keeps the whole of a job partition (job, both largest envelopes) within what one query returns (partition)', () => {
    // Prepare
    const items = [
      jobToItem(job('completed')),
      ...envelopeToItems('acme', 'job-1', 'request', MAX_ENVELOPE, EXPIRES_AT),
      ...envelopeToItems('acme', 'job-1', 'response', MAX_ENVELOPE, EXPIRES_AT),
    ];

    // Act
    const sizes = items.map(itemSize);

    // Assess
    for (const size of sizes) expect(size).toBeLessThan(ITEM_LIMIT_BYTES);
    expect(jobEnvelopesFromItems(items)).toEqual({ encrypted_request: MAX_ENVELOPE, encrypted_response: MAX_ENVELOPE });
  });
});

describe('jobEnvelopesFromItems', () => {
  const small = envelope(16);

  it.each([1, 2, 3, 4, 5])('reassembles both envelopes from the items in any order (seed %i)', (seed) => {
    // Prepare
    const response = envelope(MAX_CIPHERTEXT_BYTES, { key_id: 'tk-2' });
    const items = shuffled(
      [
        jobToItem(job('completed')),
        ...envelopeToItems('acme', 'job-1', 'request', MAX_ENVELOPE, EXPIRES_AT),
        ...envelopeToItems('acme', 'job-1', 'response', response, EXPIRES_AT),
      ],
      seed,
    );

    // Act
    const envelopes = jobEnvelopesFromItems(items);

    // Assess
    expect(envelopes).toEqual({ encrypted_request: MAX_ENVELOPE, encrypted_response: response });
  });

  it('reassembles an envelope of more than ten parts in part order, not in sort-key order (many parts)', () => {
    // Prepare: a hand-made 12-part envelope; as strings, sk ENVELOPE#request#10 sorts before #2.
    const text = JSON.stringify(small);
    const size = Math.ceil(text.length / 12);
    const items: Item[] = Array.from({ length: 12 }, (_, part) => ({
      pk: { S: 'JOB#acme#job-1' },
      sk: { S: `ENVELOPE#request#${part}` },
      entity: { S: 'envelope' },
      part: { N: String(part) },
      parts: { N: '12' },
      text: { S: text.slice(part * size, (part + 1) * size) },
      expires_at: { N: String(EXPIRES_AT) },
    })).sort((a, b) => a.sk!.S!.localeCompare(b.sk!.S!));

    // Act / Assess
    expect(jobEnvelopesFromItems(items).encrypted_request).toEqual(small);
  });

  it('gives null for an envelope the job does not have yet (none)', () => {
    // Prepare
    const items = [jobToItem(job('queued')), ...envelopeToItems('acme', 'job-1', 'request', small, EXPIRES_AT)];

    // Act / Assess
    expect(jobEnvelopesFromItems(items)).toEqual({ encrypted_request: small, encrypted_response: null });
    expect(jobEnvelopesFromItems([jobToItem(job('queued'))])).toEqual({ encrypted_request: null, encrypted_response: null });
  });

  it.each([
    { case: 'first part purged', drop: 0 },
    { case: 'last part purged', drop: -1 },
  ])('gives null when a part is missing ($case)', ({ drop }) => {
    // Prepare
    const parts = envelopeToItems('acme', 'job-1', 'request', MAX_ENVELOPE, EXPIRES_AT);
    const index = drop < 0 ? parts.length + drop : drop;
    const remaining = parts.filter((_, part) => part !== index);

    // Act
    const envelopes = jobEnvelopesFromItems([jobToItem(job('completed')), ...remaining]);

    // Assess
    expect(parts.length).toBeGreaterThan(1);
    expect(envelopes.encrypted_request).toBeNull();
  });

  it('gives null when a part appears twice instead of another (duplicate)', () => {
    // Prepare
    const [first, second] = envelopeToItems('acme', 'job-1', 'request', MAX_ENVELOPE, EXPIRES_AT);

    // Act / Assess
    expect(jobEnvelopesFromItems([first!, first!]).encrypted_request).toBeNull();
    expect(jobEnvelopesFromItems([second!, second!]).encrypted_request).toBeNull();
  });

  it('does not mix the request into the response or the other way round (kinds)', () => {
    // Prepare
    const items = envelopeToItems('acme', 'job-1', 'response', small, EXPIRES_AT);

    // Act / Assess
    expect(jobEnvelopesFromItems(items)).toEqual({ encrypted_request: null, encrypted_response: small });
  });
});

describe('jobIdsFromKey', () => {
  it.each([
    { case: 'plain ids', pk: 'JOB#acme#job-1', customerId: 'acme', jobId: 'job-1' },
    { case: 'ids with dots and colons', pk: 'JOB#acme.eu:1#job:2026.1', customerId: 'acme.eu:1', jobId: 'job:2026.1' },
    { case: 'longest ids', pk: `JOB#${LONGEST_CUSTOMER_ID}#${LONGEST_JOB_ID}`, customerId: LONGEST_CUSTOMER_ID, jobId: LONGEST_JOB_ID },
  ])('reads the customer and job from a job item key ($case)', ({ pk, customerId, jobId }) => {
    expect(jobIdsFromKey({ pk: { S: pk }, sk: { S: 'JOB' } })).toEqual({ customerId, jobId });
  });

  it('reads back the key jobToItem writes (round trip)', () => {
    // Prepare
    const { pk, sk } = jobToItem(job('queued', { customer_id: 'cus', job_id: 'job' }));

    // Act / Assess
    expect(jobIdsFromKey({ pk: pk!, sk: sk! })).toEqual({ customerId: 'cus', jobId: 'job' });
  });

  it.each<{ case: string; key: Item }>([
    { case: 'envelope item of the job', key: { pk: { S: 'JOB#acme#job-1' }, sk: { S: 'ENVELOPE#request#0' } } },
    { case: 'account item', key: { pk: { S: 'CUSTOMER#acme' }, sk: { S: 'ACCOUNT' } } },
    { case: 'other entity with sk JOB', key: { pk: { S: 'NODE#acme#job-1' }, sk: { S: 'JOB' } } },
    { case: 'too few parts', key: { pk: { S: 'JOB#acme' }, sk: { S: 'JOB' } } },
    { case: 'too many parts', key: { pk: { S: 'JOB#acme#job-1#x' }, sk: { S: 'JOB' } } },
    { case: 'lowercase prefix', key: { pk: { S: 'job#acme#job-1' }, sk: { S: 'JOB' } } },
    { case: 'sk lowercase', key: { pk: { S: 'JOB#acme#job-1' }, sk: { S: 'job' } } },
    { case: 'pk a number', key: { pk: { N: '1' }, sk: { S: 'JOB' } } },
    { case: 'sk missing', key: { pk: { S: 'JOB#acme#job-1' } } },
    { case: 'pk missing', key: { sk: { S: 'JOB' } } },
    { case: 'empty key', key: {} },
  ])('refuses a key that is not a job item key ($case)', ({ key }) => {
    expect(jobIdsFromKey(key)).toBeUndefined();
  });
});

describe('jobToItem and the OpenJobs index', () => {
  it.each<{ case: JobStatus; dueAt: string }>([
    { case: 'queued', dueAt: '2026-01-02T03:19:05.678Z' },
    { case: 'claimed', dueAt: '2026-01-02T04:04:05.678Z' },
  ])('lists a $case job in an open shard, due at its next deadline', ({ case: status, dueAt }) => {
    // Act
    const item = jobToItem(job(status));

    // Assess
    expect(item.open_shard?.S).toMatch(new RegExp(`^OPEN#${status}#[0-7]$`));
    expect(item.due_at).toEqual({ S: dueAt });
  });

  it.each<{ case: JobStatus }>([{ case: 'completed' }, { case: 'failed' }, { case: 'expired' }, { case: 'cancelled' }])(
    'leaves a $case job out of the index: neither open_shard nor due_at',
    ({ case: status }) => {
      // Act
      const item = jobToItem(job(status));

      // Assess
      expect(item).not.toHaveProperty('open_shard');
      expect(item).not.toHaveProperty('due_at');
      expect(item.status).toEqual({ S: status });
    },
  );

  it.each<{ case: JobStatus }>([{ case: 'queued' }, { case: 'claimed' }, { case: 'completed' }, { case: 'cancelled' }])(
    'round-trips a $case job through jobFromItem',
    ({ case: status }) => {
      // Prepare
      const original = job(status);

      // Act / Assess
      expect(jobFromItem(jobToItem(original))).toEqual(original);
    },
  );

  it('keeps a job in the same shard number whatever its deadlines; the status names the partition (property)', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,20}$/);
    fc.assert(
      fc.property(id, id, fc.integer({ min: 0, max: 10_000_000 }), (customerId, jobId, shift) => {
        const queued = jobToItem(job('queued', { customer_id: customerId, job_id: jobId }));
        const moved = new Date(Date.parse('2026-01-02T04:04:05.678Z') + shift * 1000).toISOString();
        const claimed = jobToItem(job('claimed', { customer_id: customerId, job_id: jobId, completion_deadline: moved }));
        const again = jobToItem(job('queued', { customer_id: customerId, job_id: jobId }));
        expect(queued.open_shard?.S).toMatch(/^OPEN#queued#[0-7]$/);
        expect(claimed.open_shard?.S).toBe(queued.open_shard?.S?.replace('#queued#', '#claimed#'));
        expect(again.open_shard).toEqual(queued.open_shard);
        expect(claimed.open_shard?.S).toBe(openShardOf(customerId, jobId, 'claimed'));
        expect(claimed.due_at).toEqual({ S: moved });
      }),
    );
  });

  it('spreads jobs over every shard (spread)', () => {
    // Act
    const shards = new Set(Array.from({ length: 400 }, (_, index) => jobToItem(job('queued', { job_id: `job-${index}` })).open_shard?.S));

    // Assess
    expect(OPEN_JOB_SHARDS).toBe(8);
    expect([...shards].sort()).toEqual(Array.from({ length: OPEN_JOB_SHARDS }, (_, shard) => `OPEN#queued#${shard}`));
    expect(OPEN_SHARDS.map(openShardKey).sort()).toEqual(
      (['claimed', 'queued'] as const).flatMap((status) =>
        Array.from({ length: OPEN_JOB_SHARDS }, (_, shard) => `OPEN#${status}#${shard}`),
      ),
    );
  });

  it('stores the job item itself well under the item limit (size)', () => {
    // Prepare
    const longest = job('claimed', { customer_id: LONGEST_CUSTOMER_ID, job_id: LONGEST_JOB_ID, model_id: `m${'m'.repeat(127)}` });

    // Act / Assess
    expect(itemSize(jobToItem(longest))).toBeLessThan(4_000);
  });
});
