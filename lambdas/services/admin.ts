/**
 * Admin endpoints: customers (token shown once, stored as a hash), idempotent credits, and node
 * enrollment with signed transport-key records and the node's own queue.
 * Order of checks: admin credentials, then the body, then the resources it names.
 */
import { randomUUID } from 'node:crypto';
import type { AccountView, CustomerCreated } from '@b3iq/protocol';
import { CREATE_CUSTOMER, CREDIT, isId, MAX_WEI, parseWei } from '@b3iq/protocol';
import { type Credit, creditEntry } from '../domain/account.js';
import { generateToken, hashToken, tokenMatches } from '../domain/customer-token.js';
import { FIRST_TOKEN_NAME, newTokenId } from '../domain/customer-tokens.js';
import { accountTotals, creditSplit } from '../domain/escrow.js';
import { invalidId } from '../domain/ids.js';
import { closedObject } from '../domain/json-object.js';
import { type InferenceNode, nodeView, parseNodeEnrollment, planTransportKeys } from '../domain/node.js';
import { Problem } from '../domain/problems.js';
import { describeError, logger } from '../observability/logger.js';
import { checkpointLedger, currentAccountView, readAccountSnapshot } from './account-reads.js';
import type { ControlPlane } from './control-plane.js';
import { done, RETRY, retryOnConflict } from './retry-on-conflict.js';
import { parseStaleQuery, releaseStaleReservations } from './stale-reservations.js';

/**
 * An admin call: the presented admin token, the AWS identity API Gateway authorized (IAM stages), and
 * the body as JSON, read after the credentials' check.
 */
interface AdminCall {
  token: string | undefined;
  callerArn?: string | undefined;
  readBody: () => unknown;
}

async function admitAdmin(plane: ControlPlane, call: AdminCall): Promise<void> {
  if (plane.adminAuth.kind === 'iam') {
    // API Gateway checked the SigV4 signature and execute-api:Invoke before the call got here; a call
    // without an identity came some other way (a method left without IAM) and is refused.
    if (call.callerArn === undefined || call.callerArn.length === 0) {
      throw new Problem('unauthorized', 'sign admin requests with AWS Signature Version 4');
    }
    // Who did it, as CloudTrail would attribute it (an ARN, not a secret).
    logger.info('admin call', { caller_arn: call.callerArn });
    return;
  }
  if (!tokenMatches(call.token, await plane.adminAuth.tokenHash())) {
    throw new Problem('unauthorized', 'send a valid X-B3IQ-Admin-Token');
  }
}

/** A new customer with an empty account and one token (named "initial"), answered here, once; only its hash is kept. */
async function createCustomer(plane: ControlPlane, call: AdminCall) {
  await admitAdmin(plane, call);
  const fields = closedObject(call.readBody(), CREATE_CUSTOMER);
  if (fields.customer_id !== undefined && !isId('customer_id', fields.customer_id)) {
    throw invalidId('customer_id');
  }
  const customerId = (fields.customer_id as string | undefined) ?? `cus-${randomUUID()}`;
  const token = generateToken();
  const createdAt = plane.now().toISOString();
  const first = { token_id: newTokenId(), name: FIRST_TOKEN_NAME, created_at: createdAt, last_used_at: null, revoked_at: null };
  const customer = { customer_id: customerId, tokens: [{ token_id: first.token_id, token_hash: hashToken(token) }] };
  const created = await plane.store.createCustomer(customer, first, createdAt);
  if (!created) throw new Problem('customer_exists', `customer "${customerId}" already exists`);
  return { customer_id: customerId, customer_token: token } satisfies CustomerCreated;
}

async function creditCustomer(plane: ControlPlane, call: AdminCall & { customerId: string | undefined }): Promise<AccountView> {
  await admitAdmin(plane, call);
  const fields = closedObject(call.readBody(), CREDIT);
  if (!isId('credit_id', fields.credit_id)) {
    throw invalidId('credit_id');
  }
  const amount = parseWei(fields.amount_wei);
  if (amount === undefined || amount === 0n) {
    throw new Problem('invalid_request', '"amount_wei" must be a positive decimal wei string of at most 38 digits');
  }
  const creditId = fields.credit_id;
  const { customerId } = call;
  const found = isId('customer_id', customerId) ? await plane.store.getCustomer(customerId) : undefined;
  if (found === undefined) throw new Problem('customer_not_found', 'no such customer');
  const credit = { credit_id: creditId, customer_id: found.customer_id, amount_wei: amount };
  const first = await plane.store.findCredit(creditId);
  if (first !== undefined) return repeatedCredit(plane, first, credit);
  const applied = await retryOnConflict(async () => {
    const snapshot = await readAccountSnapshot(plane, credit.customer_id);
    if (snapshot === undefined) throw new Problem('customer_not_found', 'no such customer');
    if (accountTotals(snapshot.buckets).balance_wei + amount > MAX_WEI) {
      throw new Problem('invalid_request', 'the credit would take the balance past 38 digits');
    }
    const createdAt = plane.now().toISOString();
    const outcome = await plane.store.applyCredit({
      credit,
      entry: creditEntry(credit.customer_id, amount, creditId, createdAt),
      shares: creditSplit(snapshot.buckets, amount),
      creditSequence: snapshot.creditSequence,
      createdAt,
    });
    if (outcome.type === 'credited') return done(undefined);
    if (outcome.type === 'credit_exists') return done(outcome.credit);
    return RETRY.afterPause;
  });
  if (applied !== undefined) return repeatedCredit(plane, applied, credit);
  await moveLedgerCheckpoint(plane, credit.customer_id);
  return accountAsItStands(plane, credit.customer_id);
}

/** A credit id seen before: the same credit answers the account as it is; anything else conflicts. */
async function repeatedCredit(plane: ControlPlane, first: Credit, repeat: Credit): Promise<AccountView> {
  if (first.customer_id !== repeat.customer_id || first.amount_wei !== repeat.amount_wei) {
    throw new Problem('credit_id_conflict', `credit_id "${repeat.credit_id}" was already used with another amount or customer`);
  }
  return accountAsItStands(plane, repeat.customer_id);
}

async function accountAsItStands(plane: ControlPlane, customerId: string): Promise<AccountView> {
  const view = await currentAccountView(plane, customerId);
  if (view === undefined) throw new Problem('customer_not_found', 'no such customer');
  return view;
}

/** A credit also moves the ledger's checkpoint forward; the credit stands even if that fails (the next read does it). */
async function moveLedgerCheckpoint(plane: ControlPlane, customerId: string): Promise<void> {
  try {
    await checkpointLedger(plane, customerId);
  } catch (error) {
    logger.warn('ledger checkpoint not written', describeError(error));
  }
}

async function enrollNode(plane: ControlPlane, call: AdminCall & { nodeId: string | undefined }) {
  await admitAdmin(plane, call);
  const enrollment = parseNodeEnrollment(call.readBody());
  const { nodeId } = call;
  if (!isId('node_id', nodeId)) throw new Problem('node_not_found', 'no node can have that id');
  return retryOnConflict(async () => {
    const stored = await plane.store.getNode(nodeId);
    const now = plane.now().toISOString();
    // Omitted: the current identity key stays; revoking it is an explicit null.
    const identityPublicKey =
      enrollment.identity_public_key_ed25519 === undefined
        ? (stored?.node.identity_public_key_ed25519 ?? null)
        : enrollment.identity_public_key_ed25519;
    const current = { keys: stored?.node.transport_keys ?? [], identityPublicKey: stored?.node.identity_public_key_ed25519 ?? null };
    // The node's signatures are checked against the resulting identity key before any side effect:
    // a refused enrollment signs no record, creates no queue and writes nothing.
    const { kept, toSign } = planTransportKeys(nodeId, current, enrollment.transport_keys, identityPublicKey, now);
    // Signed here, at enrollment, never on the job path.
    const signed = await Promise.all(toSign.map(async (key) => ({ ...key, signature: await plane.signer.sign(key.signed_record) })));
    const byId = new Map([...kept, ...signed].map((key) => [key.key_id, key]));
    const node: InferenceNode = {
      node_id: nodeId,
      status: enrollment.status,
      models: enrollment.models,
      transport_keys: enrollment.transport_keys.map((key) => {
        const planned = byId.get(key.key_id);
        if (planned === undefined) throw new Error(`transport key ${key.key_id} was neither kept nor signed`);
        return planned;
      }),
      identity_public_key_ed25519: identityPublicKey,
      updated_at: now,
    };
    // The queue first, so that an enrolled node always has one.
    await plane.queues.ensureQueue(nodeId);
    // last_seen_at is carried over as read (a sighting recorded meanwhile is overwritten: it is a minute's news).
    const lastSeenAt = stored?.last_seen_at ?? null;
    if (await plane.store.putNode({ node, revision: (stored?.revision ?? 0) + 1, last_seen_at: lastSeenAt }, stored?.revision)) {
      return done(nodeView(node, plane.now(), lastSeenAt));
    }
    return RETRY.afterPause;
  });
}

/** `POST /v1/admin/reservations/release-stale` (see stale-reservations.ts). */
async function releaseStaleReservationsAsAdmin(plane: ControlPlane, call: AdminCall) {
  await admitAdmin(plane, call);
  return releaseStaleReservations(plane, parseStaleQuery(call.readBody()));
}

export type { AdminCall };
export { admitAdmin, createCustomer, creditCustomer, enrollNode, releaseStaleReservationsAsAdmin };
