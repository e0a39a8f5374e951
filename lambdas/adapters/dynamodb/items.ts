/**
 * The single-table layout. Each entity has its own partition so that one customer's hot account
 * item does not share write capacity with their jobs:
 *
 * | entity  | pk                      | sk                        |
 * |---------|-------------------------|---------------------------|
 * | account | CUSTOMER#{customer_id}  | ACCOUNT                   |
 * | job     | JOB#{customer_id}#{job} | JOB                       |
 * | envelope| JOB#{customer_id}#{job} | ENVELOPE#{kind}#{part} (expires by TTL) |
 * | ledger  | LEDGER#{customer_id}    | {created_at}#{entry_id}   |
 * | credit  | CREDIT#{credit_id}      | CREDIT                    |
 * | node    | NODE#{node_id}          | NODE                      |
 * | command | COMMAND#{command_id}    | COMMAND (expires by TTL)  |
 * | earnings| EARNINGS#{node_id}      | EARNINGS                  |
 * | node ledger | NODE_LEDGER#{node_id} | {created_at}#{entry_id} |
 * | receipt | RECEIPT#{receipt_hash}  | RECEIPT                   |
 * | nonce   | NONCE#{node_id}#{nonce} | NONCE (expires by TTL)    |
 *
 * Ids cannot contain `#`, so keys never collide.
 *
 * An envelope is stored as the parts of its JSON text next to its job (an item holds at most
 * 400 KB; a 512 KiB ciphertext is about 700 KB of base64url), so reading a job with its envelopes
 * is one query. An open job also carries `open_shard` and `due_at` (its next deadline): the
 * sparse `OpenJobs` index lists exactly the open jobs by deadline, a partition per status (so the
 * first item of each is its oldest job) spread over a few shards so that no index partition takes
 * every job's writes.
 */
import { createHash } from 'node:crypto';
import type { Credit, Customer, LedgerEntry } from '../../domain/account.js';
import type { Job, JobEnvelopes } from '../../domain/job.js';
import { nextDeadline } from '../../domain/job-lifecycle.js';
import type { InferenceNode, StoredNode } from '../../domain/node.js';
import type { NodeEarnings, NodeLedgerEntry } from '../../domain/node-earnings.js';
import type { Envelope } from '../../transport/envelope.js';
import { type Item, n, nullableS, readInt, readList, readNullableS, readS, readWei, s, stringMap } from './attributes.js';

type EnvelopeKind = 'request' | 'response';

/** Characters of envelope JSON per item: well under DynamoDB's 400 KB item limit. */
const ENVELOPE_PART_CHARS = 350_000;
const OPEN_JOB_SHARDS = 8;
const OPEN_JOBS_INDEX = 'OpenJobs';

const keys = {
  account: (customerId: string): Item => ({ pk: s(`CUSTOMER#${customerId}`), sk: s('ACCOUNT') }),
  job: (customerId: string, jobId: string): Item => ({ pk: s(keys.jobPartition(customerId, jobId)), sk: s('JOB') }),
  jobPartition: (customerId: string, jobId: string): string => `JOB#${customerId}#${jobId}`,
  envelopePart: (customerId: string, jobId: string, kind: EnvelopeKind, part: number): Item => ({
    pk: s(keys.jobPartition(customerId, jobId)),
    sk: s(`ENVELOPE#${kind}#${part}`),
  }),
  ledger: (entry: LedgerEntry): Item => ({
    pk: s(`LEDGER#${entry.customer_id}`),
    sk: s(`${entry.created_at}#${entry.entry_id}`),
  }),
  ledgerPartition: (customerId: string): string => `LEDGER#${customerId}`,
  credit: (creditId: string): Item => ({ pk: s(`CREDIT#${creditId}`), sk: s('CREDIT') }),
  node: (nodeId: string): Item => ({ pk: s(`NODE#${nodeId}`), sk: s('NODE') }),
  command: (commandId: string): Item => ({ pk: s(`COMMAND#${commandId}`), sk: s('COMMAND') }),
  earnings: (nodeId: string): Item => ({ pk: s(`EARNINGS#${nodeId}`), sk: s('EARNINGS') }),
  nodeLedger: (entry: NodeLedgerEntry): Item => ({
    pk: s(`NODE_LEDGER#${entry.node_id}`),
    sk: s(`${entry.created_at}#${entry.entry_id}`),
  }),
  nodeLedgerPartition: (nodeId: string): string => `NODE_LEDGER#${nodeId}`,
  receipt: (receiptHash: string): Item => ({ pk: s(`RECEIPT#${receiptHash}`), sk: s('RECEIPT') }),
  nonce: (nodeId: string, nonce: string): Item => ({ pk: s(`NONCE#${nodeId}#${nonce}`), sk: s('NONCE') }),
};

/** The customer and job a job item's key names (ids cannot contain `#`). */
function jobIdsFromKey(key: Item): { customerId: string; jobId: string } | undefined {
  const [kind, customerId, jobId, ...rest] = key.pk?.S?.split('#') ?? [];
  if (key.sk?.S !== 'JOB' || kind !== 'JOB' || customerId === undefined || jobId === undefined || rest.length > 0) return undefined;
  return { customerId, jobId };
}

/** Where a command's job is: the node never learns the customer, the control plane looks it up. */
interface CommandRef {
  command_id: string;
  customer_id: string;
  job_id: string;
  node_id: string;
}

/** A receipt as published: its exact text, signature and the job it settled (no customer). */
interface StoredReceipt {
  receipt_hash: string;
  job_id: string;
  node_id: string;
  model_id: string;
  status: 'accepted';
  received_at: string;
  signature_ed25519: string;
  receipt_text: string;
}

function commandToItem(ref: CommandRef, expiresAt: number): Item {
  return {
    ...keys.command(ref.command_id),
    entity: s('command'),
    expires_at: n(expiresAt),
    command_id: s(ref.command_id),
    customer_id: s(ref.customer_id),
    job_id: s(ref.job_id),
    node_id: s(ref.node_id),
  };
}

function commandFromItem(item: Item): CommandRef {
  return {
    command_id: readS(item, 'command_id'),
    customer_id: readS(item, 'customer_id'),
    job_id: readS(item, 'job_id'),
    node_id: readS(item, 'node_id'),
  };
}

function earningsToItem(earnings: NodeEarnings): Item {
  return {
    ...keys.earnings(earnings.node_id),
    entity: s('earnings'),
    node_id: s(earnings.node_id),
    payout_wei: n(earnings.payout_wei),
    protocol_fee_wei: n(earnings.protocol_fee_wei),
    version: n(earnings.version),
  };
}

function earningsFromItem(item: Item): NodeEarnings {
  return {
    node_id: readS(item, 'node_id'),
    payout_wei: readWei(item, 'payout_wei'),
    protocol_fee_wei: readWei(item, 'protocol_fee_wei'),
    version: readInt(item, 'version'),
  };
}

function nodeLedgerToItem(entry: NodeLedgerEntry): Item {
  return {
    ...keys.nodeLedger(entry),
    entity: s('node_ledger'),
    entry_id: s(entry.entry_id),
    node_id: s(entry.node_id),
    kind: s(entry.kind),
    amount_wei: n(entry.amount_wei),
    balance_after_wei: n(entry.balance_after_wei),
    reserved_after_wei: n(entry.reserved_after_wei),
    private_job_id: s(entry.private_job_id),
    receipt_hash: s(entry.receipt_hash),
    created_at: s(entry.created_at),
  };
}

function nodeLedgerFromItem(item: Item): NodeLedgerEntry {
  return {
    entry_id: readS(item, 'entry_id'),
    node_id: readS(item, 'node_id'),
    kind: readS(item, 'kind') as NodeLedgerEntry['kind'],
    amount_wei: readWei(item, 'amount_wei'),
    balance_after_wei: readWei(item, 'balance_after_wei'),
    reserved_after_wei: readWei(item, 'reserved_after_wei'),
    private_job_id: readS(item, 'private_job_id'),
    receipt_hash: readS(item, 'receipt_hash'),
    created_at: readS(item, 'created_at'),
  };
}

function receiptToItem(receipt: StoredReceipt): Item {
  return {
    ...keys.receipt(receipt.receipt_hash),
    entity: s('receipt'),
    ...Object.fromEntries(Object.entries(receipt).map(([name, value]) => [name, s(value)])),
  };
}

function receiptFromItem(item: Item): StoredReceipt {
  return {
    receipt_hash: readS(item, 'receipt_hash'),
    job_id: readS(item, 'job_id'),
    node_id: readS(item, 'node_id'),
    model_id: readS(item, 'model_id'),
    status: 'accepted',
    received_at: readS(item, 'received_at'),
    signature_ed25519: readS(item, 'signature_ed25519'),
    receipt_text: readS(item, 'receipt_text'),
  };
}

function customerToItem(customer: Customer, createdAt: string): Item {
  const { account } = customer;
  return {
    ...keys.account(account.customer_id),
    entity: s('account'),
    customer_id: s(account.customer_id),
    token_hash: s(customer.token_hash),
    balance_wei: n(account.balance_wei),
    reserved_wei: n(account.reserved_wei),
    version: n(account.version),
    created_at: s(createdAt),
  };
}

function customerFromItem(item: Item): Customer {
  return {
    token_hash: readS(item, 'token_hash'),
    account: {
      customer_id: readS(item, 'customer_id'),
      balance_wei: readWei(item, 'balance_wei'),
      reserved_wei: readWei(item, 'reserved_wei'),
      version: readInt(item, 'version'),
    },
  };
}

function jobToItem(job: Job): Item {
  return {
    ...keys.job(job.customer_id, job.job_id),
    entity: s('job'),
    customer_id: s(job.customer_id),
    job_id: s(job.job_id),
    node_id: s(job.node_id),
    model_id: s(job.model_id),
    command_id: s(job.command_id),
    status: s(job.status),
    billing_status: s(job.billing_status),
    policy_version: s(job.quote.policy_version),
    quoted_price_wei: n(job.quote.quoted_price_wei),
    reserved_price_wei: n(job.quote.reserved_price_wei),
    payout_price_wei: n(job.quote.payout_price_wei),
    request_fingerprint: s(job.request_fingerprint),
    request_sha256: s(job.request_sha256),
    request_key_id: s(job.request_key_id),
    receipt_hash: nullableS(job.receipt_hash),
    created_at: s(job.created_at),
    claim_deadline: s(job.claim_deadline),
    completion_deadline: s(job.completion_deadline),
    claimed_at: nullableS(job.claimed_at),
    completed_at: nullableS(job.completed_at),
    ...openJobAttributes(job),
  };
}

/** A partition of the `OpenJobs` index: open jobs of one status, spread over a few shards. */
interface OpenShard {
  status: 'queued' | 'claimed';
  index: number;
}

/** Every partition of the `OpenJobs` index. */
const OPEN_SHARDS: readonly OpenShard[] = (['queued', 'claimed'] as const).flatMap((status) =>
  Array.from({ length: OPEN_JOB_SHARDS }, (_, index) => ({ status, index })),
);

const openShardKey = (shard: OpenShard): string => `OPEN#${shard.status}#${shard.index}`;

/** The index partition of a job while it has `status`: the shard is fixed by the job's key. */
function openShardOf(customerId: string, jobId: string, status: OpenShard['status']): string {
  const index = createHash('sha256').update(keys.jobPartition(customerId, jobId)).digest().readUInt8(0) % OPEN_JOB_SHARDS;
  return openShardKey({ status, index });
}

/** The `OpenJobs` index attributes of a job that is still open; none once it is terminal. */
function openJobAttributes(job: Job): Item {
  const due = nextDeadline(job);
  if (due === undefined) return {};
  return { open_shard: s(openShardOf(job.customer_id, job.job_id, job.status as OpenShard['status'])), due_at: s(due) };
}

/** An envelope as the items that hold its JSON text, each purged by TTL at `expiresAt` (epoch seconds). */
function envelopeToItems(customerId: string, jobId: string, kind: EnvelopeKind, envelope: Envelope, expiresAt: number): Item[] {
  const text = JSON.stringify(envelope);
  const count = Math.max(1, Math.ceil(text.length / ENVELOPE_PART_CHARS));
  return Array.from({ length: count }, (_, part) => ({
    ...keys.envelopePart(customerId, jobId, kind, part),
    entity: s('envelope'),
    part: n(part),
    parts: n(count),
    text: s(text.slice(part * ENVELOPE_PART_CHARS, (part + 1) * ENVELOPE_PART_CHARS)),
    expires_at: n(expiresAt),
  }));
}

/** Reassembles an envelope from its items; `null` if none are left or some are already purged. */
function envelopeFromItems(items: Item[], kind: EnvelopeKind): Envelope | null {
  const prefix = `ENVELOPE#${kind}#`;
  const parts = items.filter((item) => item.sk?.S?.startsWith(prefix)).sort((a, b) => readInt(a, 'part') - readInt(b, 'part'));
  const [first] = parts;
  if (first === undefined || parts.length !== readInt(first, 'parts') || parts.some((item, index) => readInt(item, 'part') !== index)) {
    return null;
  }
  return JSON.parse(parts.map((item) => readS(item, 'text')).join('')) as Envelope;
}

/** A job partition as read: the job and whichever of its envelopes are still kept. */
function jobEnvelopesFromItems(items: Item[]): JobEnvelopes {
  return { encrypted_request: envelopeFromItems(items, 'request'), encrypted_response: envelopeFromItems(items, 'response') };
}

function jobFromItem(item: Item): Job {
  return {
    customer_id: readS(item, 'customer_id'),
    job_id: readS(item, 'job_id'),
    node_id: readS(item, 'node_id'),
    model_id: readS(item, 'model_id'),
    command_id: readS(item, 'command_id'),
    status: readS(item, 'status') as Job['status'],
    billing_status: readS(item, 'billing_status') as Job['billing_status'],
    quote: {
      policy_version: readS(item, 'policy_version'),
      quoted_price_wei: readWei(item, 'quoted_price_wei'),
      reserved_price_wei: readWei(item, 'reserved_price_wei'),
      payout_price_wei: readWei(item, 'payout_price_wei'),
    },
    request_fingerprint: readS(item, 'request_fingerprint'),
    request_sha256: readS(item, 'request_sha256'),
    request_key_id: readS(item, 'request_key_id'),
    receipt_hash: readNullableS(item, 'receipt_hash'),
    created_at: readS(item, 'created_at'),
    claim_deadline: readS(item, 'claim_deadline'),
    completion_deadline: readS(item, 'completion_deadline'),
    claimed_at: readNullableS(item, 'claimed_at'),
    completed_at: readNullableS(item, 'completed_at'),
  };
}

function ledgerToItem(entry: LedgerEntry): Item {
  return {
    ...keys.ledger(entry),
    entity: s('ledger'),
    entry_id: s(entry.entry_id),
    customer_id: s(entry.customer_id),
    kind: s(entry.kind),
    amount_wei: n(entry.amount_wei),
    balance_after_wei: n(entry.balance_after_wei),
    reserved_after_wei: n(entry.reserved_after_wei),
    private_job_id: nullableS(entry.private_job_id),
    receipt_hash: nullableS(entry.receipt_hash),
    created_at: s(entry.created_at),
  };
}

function ledgerFromItem(item: Item): LedgerEntry {
  return {
    entry_id: readS(item, 'entry_id'),
    customer_id: readS(item, 'customer_id'),
    kind: readS(item, 'kind') as LedgerEntry['kind'],
    amount_wei: readWei(item, 'amount_wei'),
    balance_after_wei: readWei(item, 'balance_after_wei'),
    reserved_after_wei: readWei(item, 'reserved_after_wei'),
    private_job_id: readNullableS(item, 'private_job_id'),
    receipt_hash: readNullableS(item, 'receipt_hash'),
    created_at: readS(item, 'created_at'),
  };
}

function creditToItem(credit: Credit, createdAt: string): Item {
  return {
    ...keys.credit(credit.credit_id),
    entity: s('credit'),
    credit_id: s(credit.credit_id),
    customer_id: s(credit.customer_id),
    amount_wei: n(credit.amount_wei),
    created_at: s(createdAt),
  };
}

function creditFromItem(item: Item): Credit {
  return {
    credit_id: readS(item, 'credit_id'),
    customer_id: readS(item, 'customer_id'),
    amount_wei: readWei(item, 'amount_wei'),
  };
}

function nodeToItem({ node, revision }: StoredNode): Item {
  return {
    ...keys.node(node.node_id),
    entity: s('node'),
    node_id: s(node.node_id),
    status: s(node.status),
    models: { L: node.models.map((model) => ({ M: { model_id: s(model.model_id), price_wei: n(model.price_wei) } })) },
    transport_keys: {
      L: node.transport_keys.map(({ valid_until, ...key }) => ({ M: { ...stringMap(key).M, valid_until: nullableS(valid_until) } })),
    },
    identity_public_key_ed25519: nullableS(node.identity_public_key_ed25519),
    revision: n(revision),
    updated_at: s(node.updated_at),
  };
}

function nodeFromItem(item: Item): StoredNode {
  return {
    revision: readInt(item, 'revision'),
    node: {
      node_id: readS(item, 'node_id'),
      status: readS(item, 'status') as InferenceNode['status'],
      models: readList(item, 'models').map((model) => ({
        model_id: readS(model, 'model_id'),
        price_wei: readWei(model, 'price_wei'),
      })),
      transport_keys: readList(item, 'transport_keys').map((key) => ({
        key_id: readS(key, 'key_id'),
        public_key_x25519: readS(key, 'public_key_x25519'),
        signed_record: readS(key, 'signed_record'),
        signature: readS(key, 'signature'),
        issued_at: readS(key, 'issued_at'),
        valid_until: readNullableS(key, 'valid_until'),
      })),
      identity_public_key_ed25519: readNullableS(item, 'identity_public_key_ed25519'),
      updated_at: readS(item, 'updated_at'),
    },
  };
}

export type { CommandRef, EnvelopeKind, OpenShard, StoredReceipt };
export {
  commandFromItem,
  commandToItem,
  creditFromItem,
  creditToItem,
  customerFromItem,
  customerToItem,
  earningsFromItem,
  earningsToItem,
  envelopeToItems,
  jobEnvelopesFromItems,
  jobFromItem,
  jobIdsFromKey,
  jobToItem,
  keys,
  ledgerFromItem,
  ledgerToItem,
  nodeFromItem,
  nodeLedgerFromItem,
  nodeLedgerToItem,
  nodeToItem,
  OPEN_JOB_SHARDS,
  OPEN_JOBS_INDEX,
  OPEN_SHARDS,
  openShardKey,
  openShardOf,
  receiptFromItem,
  receiptToItem,
};
