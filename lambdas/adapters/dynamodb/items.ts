/**
 * The single-table layout. Each entity has its own partition so that one customer's money does
 * not share write capacity with their jobs:
 *
 * | entity  | pk                      | sk                        |
 * |---------|-------------------------|---------------------------|
 * | account | CUSTOMER#{customer_id}  | ACCOUNT                   |
 * | bucket  | CUSTOMER#{customer_id}  | BUCKET#{00..63} (reservation buckets, escrow.ts) |
 * | customer token | CUSTOMER_TOKEN#{customer_id} | TOKEN#{token_id} (listing entry; the hash is on the account) |
 * | job     | JOB#{customer_id}#{job} | JOB                       |
 * | envelope| JOB#{customer_id}#{job} | ENVELOPE#{kind}#{part} (expires by TTL) |
 * | ledger  | LEDGER#{customer_id}    | {created_at}#{entry_id}   |
 * | ledger checkpoint | LEDGER_CHECKPOINT#{customer_id} | the ledger sort key it covers up to |
 * | credit  | CREDIT#{credit_id}      | CREDIT                    |
 * | node    | NODE#{node_id}          | NODE                      |
 * | command | COMMAND#{command_id}    | COMMAND (expires by TTL)  |
 * | earnings| EARNINGS#{node_id}      | EARNINGS                  |
 * | node ledger | NODE_LEDGER#{node_id} | {created_at}#{entry_id} |
 * | receipt | RECEIPT#{receipt_hash}  | RECEIPT                   |
 * | nonce   | NONCE#{node_id}#{nonce} | NONCE (expires by TTL)    |
 * | webhook endpoints | WEBHOOKS#{customer_id} | ENDPOINTS (the list, with secrets and a version) |
 * | webhook health | WEBHOOKS#{customer_id} | HEALTH#{endpoint_id} (failures in a row, since when) |
 * | webhook event | WEBHOOKS#{customer_id} | EVENT#{webhook_id} (queued for delivery; expires by TTL) |
 *
 * Ids cannot contain `#`, so keys never collide.
 *
 * An envelope is stored as the parts of its JSON text next to its job (an item holds at most
 * 400 KB; a 512 KiB ciphertext is about 700 KB of base64url), so reading a job with its envelopes
 * is one query. An open job also carries `open_shard` and `due_at` (its next deadline): the
 * sparse `OpenJobs` index lists exactly the open jobs by deadline, a partition per status (so the
 * first item of each is its oldest job) spread over a few shards so that no index partition takes
 * every job's writes.
 *
 * The listings read two more indexes, one query per page, never a scan. `CustomerJobs` (pk
 * `customer_id`, sk `job_order` = `{created_at}#{job_id}`, all attributes): every job item carries
 * `job_order`, written in the same Put that creates the job, so a customer's jobs are one index
 * partition, newest first when read backwards; no other item has `job_order`, so nothing else is in
 * it (a job written before the index existed has none and is not listed). `ActiveNodes` (pk
 * `active_nodes` = `ACTIVE`, sk `node_id`): sparse, a node carries `active_nodes` only while its
 * status is active; `model_ids` (a string set) lets a page filter by model.
 *
 * The items of each aggregate are coded in their own file: account-items.ts, bucket-items.ts,
 * customer-token-items.ts, job-items.ts, node-items.ts, earnings-items.ts.
 */
import type { LedgerEntry } from '../../domain/account.js';
import { ledgerPosition } from '../../domain/ledger-totals.js';
import type { NodeLedgerEntry } from '../../domain/node-earnings.js';
import { type Item, s } from './attributes.js';

type EnvelopeKind = 'request' | 'response';

const OPEN_JOBS_INDEX = 'OpenJobs';
const CUSTOMER_JOBS_INDEX = 'CustomerJobs';
const ACTIVE_NODES_INDEX = 'ActiveNodes';
/** The one partition of `ActiveNodes`: nodes are few and their index writes rare (enrollment, last_seen_at). */
const ACTIVE_NODES_PARTITION = 'ACTIVE';

const keys = {
  account: (customerId: string): Item => ({ pk: s(keys.customerPartition(customerId)), sk: s('ACCOUNT') }),
  customerPartition: (customerId: string): string => `CUSTOMER#${customerId}`,
  bucket: (customerId: string, index: number): Item => ({
    pk: s(keys.customerPartition(customerId)),
    sk: s(`${keys.bucketPrefix}${String(index).padStart(2, '0')}`),
  }),
  bucketPrefix: 'BUCKET#',
  customerToken: (customerId: string, tokenId: string): Item => ({
    pk: s(keys.customerTokenPartition(customerId)),
    sk: s(`TOKEN#${tokenId}`),
  }),
  customerTokenPartition: (customerId: string): string => `CUSTOMER_TOKEN#${customerId}`,
  job: (customerId: string, jobId: string): Item => ({ pk: s(keys.jobPartition(customerId, jobId)), sk: s('JOB') }),
  jobPartition: (customerId: string, jobId: string): string => `JOB#${customerId}#${jobId}`,
  envelopePart: (customerId: string, jobId: string, kind: EnvelopeKind, part: number): Item => ({
    pk: s(keys.jobPartition(customerId, jobId)),
    sk: s(keys.envelopePrefix(kind) + part),
  }),
  /** The start of the sort keys of an envelope's parts in its job's partition. */
  envelopePrefix: (kind: EnvelopeKind): string => `ENVELOPE#${kind}#`,
  ledger: (entry: LedgerEntry): Item => ({
    pk: s(keys.ledgerPartition(entry.customer_id)),
    sk: s(ledgerPosition(entry)),
  }),
  ledgerPartition: (customerId: string): string => `LEDGER#${customerId}`,
  ledgerCheckpoint: (customerId: string, position: string): Item => ({
    pk: s(keys.ledgerCheckpointPartition(customerId)),
    sk: s(position),
  }),
  ledgerCheckpointPartition: (customerId: string): string => `LEDGER_CHECKPOINT#${customerId}`,
  credit: (creditId: string): Item => ({ pk: s(`CREDIT#${creditId}`), sk: s('CREDIT') }),
  node: (nodeId: string): Item => ({ pk: s(`NODE#${nodeId}`), sk: s('NODE') }),
  command: (commandId: string): Item => ({ pk: s(`COMMAND#${commandId}`), sk: s('COMMAND') }),
  earnings: (nodeId: string): Item => ({ pk: s(`EARNINGS#${nodeId}`), sk: s('EARNINGS') }),
  nodeLedger: (entry: NodeLedgerEntry): Item => ({
    pk: s(keys.nodeLedgerPartition(entry.node_id)),
    sk: s(`${entry.created_at}#${entry.entry_id}`),
  }),
  nodeLedgerPartition: (nodeId: string): string => `NODE_LEDGER#${nodeId}`,
  receipt: (receiptHash: string): Item => ({ pk: s(`RECEIPT#${receiptHash}`), sk: s('RECEIPT') }),
  nonce: (nodeId: string, nonce: string): Item => ({ pk: s(`NONCE#${nodeId}#${nonce}`), sk: s('NONCE') }),
  webhookEndpoints: (customerId: string): Item => ({ pk: s(`WEBHOOKS#${customerId}`), sk: s('ENDPOINTS') }),
  webhookHealth: (customerId: string, endpointId: string): Item => ({ pk: s(`WEBHOOKS#${customerId}`), sk: s(`HEALTH#${endpointId}`) }),
  webhookEvent: (customerId: string, webhookId: string): Item => ({ pk: s(`WEBHOOKS#${customerId}`), sk: s(`EVENT#${webhookId}`) }),
};

/** The customer and job a job item's key names (ids cannot contain `#`). */
function jobIdsFromKey(key: Item): { customerId: string; jobId: string } | undefined {
  const [kind, customerId, jobId, ...rest] = key.pk?.S?.split('#') ?? [];
  if (key.sk?.S !== 'JOB' || kind !== 'JOB' || customerId === undefined || jobId === undefined || rest.length > 0) return undefined;
  return { customerId, jobId };
}

export type { EnvelopeKind };
export { ACTIVE_NODES_INDEX, ACTIVE_NODES_PARTITION, CUSTOMER_JOBS_INDEX, jobIdsFromKey, keys, OPEN_JOBS_INDEX };
