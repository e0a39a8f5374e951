/** The customer's reads: a job, the account, a node's keys, and the key directory. */
import { availableWei, type Customer } from '../domain/account.js';
import { billingJobView, jobView } from '../domain/job.js';
import { integerField } from '../domain/json-object.js';
import { formatWei } from '../domain/money.js';
import { nodeView } from '../domain/node.js';
import { Problem } from '../domain/problems.js';
import { RECEIPT_HASH } from '../domain/schemas/fields.js';
import { USAGE_QUERY } from '../domain/schemas/requests.js';
import { patternOf } from '../domain/schemas/schema.js';
import type { ControlPlane } from './control-plane.js';
import { type CustomerCredentials, readAsCustomer, readJobAsCustomer } from './customer-access.js';

function accountView(customer: Customer, policyVersion: string) {
  const { account } = customer;
  return {
    customer_id: account.customer_id,
    balance_wei: formatWei(account.balance_wei),
    reserved_wei: formatWei(account.reserved_wei),
    available_wei: formatWei(availableWei(account)),
    policy_version: policyVersion,
  };
}

/** A job of the caller's, with whichever envelopes are still kept. */
async function getJob(plane: ControlPlane, credentials: CustomerCredentials, jobId: string | undefined) {
  const { job, envelopes } = await readJobAsCustomer(plane, credentials, jobId);
  return jobView(job, envelopes);
}

async function getAccount(plane: ControlPlane, credentials: CustomerCredentials) {
  const { customer } = await readAsCustomer(plane, credentials);
  return accountView(customer, plane.pricing.policyVersion);
}

async function getNode(plane: ControlPlane, credentials: CustomerCredentials, nodeId: string | undefined) {
  const { node } = await readAsCustomer(plane, credentials, { nodeId });
  if (node === undefined) throw new Problem('node_not_found', 'no enrolled node with that id');
  return nodeView(node.node, plane.now());
}

async function getKeyDirectory(plane: ControlPlane, credentials: CustomerCredentials) {
  await readAsCustomer(plane, credentials);
  const directory = await plane.keyDirectory();
  return { algorithm: 'ECDSA_SHA_256', public_key_spki: directory.publicKeySpki };
}

async function getBillingJob(plane: ControlPlane, credentials: CustomerCredentials, jobId: string | undefined) {
  const { job } = await readAsCustomer(plane, credentials, { jobId });
  if (job === undefined) throw new Problem('job_not_found', 'no such job for this customer');
  return billingJobView(job);
}

/** The usage query as sent: decimal text, each absent or not. */
interface UsageQuery {
  window_days?: string | undefined;
  limit?: string | undefined;
}

/** An integer query parameter as its schema bounds it (its default when absent), or 400: decimal digits only. */
function queryInteger(query: UsageQuery, name: 'window_days' | 'limit'): number {
  const raw = query[name];
  const value = raw === undefined ? undefined : /^[0-9]{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  return integerField({ [name]: value }, name, USAGE_QUERY.properties[name]);
}

/** The most ledger rows a usage window totals; beyond it, ask for a shorter window. */
const MAX_USAGE_ROWS = 10_000;

async function getUsage(plane: ControlPlane, credentials: CustomerCredentials, query: UsageQuery) {
  const { customer } = await readAsCustomer(plane, credentials);
  const windowDays = queryInteger(query, 'window_days');
  const limit = queryInteger(query, 'limit');
  const now = plane.now();
  const since = new Date(now.getTime() - windowDays * 86_400_000).toISOString();
  const rows = await plane.store.ledger(customer.account.customer_id, MAX_USAGE_ROWS, since);
  const totals = new Map<string, { kind: string; count: number; amount: bigint }>();
  for (const row of rows) {
    const total = totals.get(row.kind) ?? { kind: row.kind, count: 0, amount: 0n };
    total.count += 1;
    total.amount += row.amount_wei;
    totals.set(row.kind, total);
  }
  return {
    status: 'ok',
    customer_id: customer.account.customer_id,
    generated_at: now.toISOString(),
    totals: [...totals.values()].map((total) => ({ kind: total.kind, count: total.count, amount_wei: formatWei(total.amount) })),
    entries: rows.slice(0, limit).map((row) => ({
      entry_id: row.entry_id,
      private_job_id: row.private_job_id,
      receipt_hash: row.receipt_hash,
      kind: row.kind,
      amount_wei: formatWei(row.amount_wei),
      balance_after_wei: formatWei(row.balance_after_wei),
      reserved_after_wei: formatWei(row.reserved_after_wei),
      created_at: row.created_at,
    })),
  };
}

/** Public: a receipt by its hash, with nothing that identifies the customer. */
async function getReceipt(plane: ControlPlane, hash: string | undefined) {
  const stored = hash !== undefined && patternOf(RECEIPT_HASH).test(hash) ? await plane.store.getReceipt(hash) : undefined;
  if (stored === undefined) throw new Problem('receipt_not_found', 'no receipt with that hash');
  const { receipt_text, ...published } = stored;
  return { ...published, receipt: JSON.parse(receipt_text) as unknown };
}

export type { UsageQuery };
export { accountView, getAccount, getBillingJob, getJob, getKeyDirectory, getNode, getReceipt, getUsage };
