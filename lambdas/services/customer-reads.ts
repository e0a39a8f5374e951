/** The customer's reads: a job, the account, a node's keys, and the key directory. */

import type { KeyDirectoryView } from '@b3iq/protocol';
import { patternOf, RECEIPT_HASH, USAGE_QUERY } from '@b3iq/protocol';
import type { LedgerEntry } from '../domain/account.js';
import { billingJobView, jobView } from '../domain/job.js';
import { integerField } from '../domain/json-object.js';
import { nodeView } from '../domain/node.js';
import { Problem } from '../domain/problems.js';
import { receiptView } from '../domain/receipt.js';
import { addToUsageTotals, type UsageTotals, usageView } from '../domain/usage.js';
import { currentAccountView, withTotalsFromCheckpoint } from './account-reads.js';
import type { ControlPlane } from './control-plane.js';
import { type CustomerCredentials, readAsCustomer, readJobAsCustomer } from './customer-access.js';

/** A job of the caller's, with whichever envelopes are still kept. */
async function getJob(plane: ControlPlane, credentials: CustomerCredentials, jobId: string | undefined) {
  const { job, envelopes } = await readJobAsCustomer(plane, credentials, jobId);
  return jobView(job, envelopes);
}

async function getAccount(plane: ControlPlane, credentials: CustomerCredentials) {
  const { customer } = await readAsCustomer(plane, credentials);
  const view = await currentAccountView(plane, customer.customer_id);
  if (view === undefined) throw new Error('an authenticated customer has no account item');
  return view;
}

async function getNode(plane: ControlPlane, credentials: CustomerCredentials, nodeId: string | undefined) {
  const { node } = await readAsCustomer(plane, credentials, { nodeId });
  if (node === undefined) throw new Problem('node_not_found', 'no enrolled node with that id');
  return nodeView(node.node, plane.now(), node.last_seen_at ?? null);
}

async function getKeyDirectory(plane: ControlPlane, credentials: CustomerCredentials) {
  await readAsCustomer(plane, credentials);
  const directory = await plane.keyDirectory();
  return { algorithm: 'ECDSA_SHA_256', public_key_spki: directory.publicKeySpki } satisfies KeyDirectoryView;
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

async function getUsage(plane: ControlPlane, credentials: CustomerCredentials, query: UsageQuery) {
  const { customer } = await readAsCustomer(plane, credentials);
  const windowDays = queryInteger(query, 'window_days');
  const limit = queryInteger(query, 'limit');
  const now = plane.now();
  const since = new Date(now.getTime() - windowDays * 86_400_000).toISOString();
  // Every row of the window counts in the totals (page after page); only the newest `limit` are kept.
  const totals: UsageTotals = new Map();
  const newest: LedgerEntry[] = [];
  for await (const page of plane.store.ledgerPagesSince(customer.customer_id, since)) {
    addToUsageTotals(totals, page);
    newest.push(...page.slice(0, limit - newest.length));
  }
  const rows = await withTotalsFromCheckpoint(plane, customer.customer_id, newest);
  return usageView(customer.customer_id, totals, rows, now);
}

/** Public: a receipt by its hash, with nothing that identifies the customer. */
async function getReceipt(plane: ControlPlane, hash: string | undefined) {
  const stored = hash !== undefined && patternOf(RECEIPT_HASH).test(hash) ? await plane.store.getReceipt(hash) : undefined;
  if (stored === undefined) throw new Problem('receipt_not_found', 'no receipt with that hash');
  return receiptView(stored);
}

export type { UsageQuery };
export { getAccount, getBillingJob, getJob, getKeyDirectory, getNode, getReceipt, getUsage };
