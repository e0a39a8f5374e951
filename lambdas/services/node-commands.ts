/**
 * The node's side of a job: pull commands from its own queue under a lease, extend the lease,
 * then post a result (answer + signed receipt: the job settles) or a failure (the reservation is
 * released). Delivery is at least once, so every step is idempotent per job.
 */

import type { NodeJobView, PulledCommands } from '@b3iq/protocol';
import {
  checkEnvelope,
  envelopeSha256,
  FAILURE,
  formatWei,
  LEASE,
  type NodeCommand,
  PULL,
  patternOf,
  RESULT,
  receiptHash,
} from '@b3iq/protocol';
import type { Customer } from '../domain/account.js';
import { holdsNewestLease, type Job, nodeJobView } from '../domain/job.js';
import { isOpenStatus } from '../domain/job-lifecycle.js';
import { closedObject, integerField } from '../domain/json-object.js';
import type { StoredNode } from '../domain/node.js';
import { stillRoutable } from '../domain/node-routing.js';
import { Problem } from '../domain/problems.js';
import { acceptReceipt } from '../domain/receipt.js';
import { logger } from '../observability/logger.js';
import type { ControlPlane } from './control-plane.js';
import { expireIfOverdue, releaseNamedJob, releaseOpenJob, supersededLease } from './job-closing.js';
import { admitNode, type SignedNodeRequest } from './node-access.js';
import type { CommandRef } from './ports/jobs.js';
import { done, RETRY, retryOnConflict } from './retry-on-conflict.js';
import { type CheckedAnswer, settleAnsweredJob } from './settle-job.js';

/** The body's `lease_id`: required on every call about a command, since only its newest lease may act on it. */
function leaseField(fields: Record<string, unknown>): string {
  const lease = fields.lease_id;
  if (lease === undefined) throw new Problem('invalid_request', '"lease_id" is required');
  const { minLength, maxLength } = LEASE.properties.lease_id;
  if (typeof lease !== 'string' || lease.length < minLength || lease.length > maxLength) {
    throw new Problem('invalid_request', '"lease_id" must be the lease_id the pull answered');
  }
  return lease;
}

/** What one pull answers at most: a few of the largest commands (about 700 KB each) fit, with room to spare. */
const MAX_PULL_ANSWER_BYTES = 5 * 1024 * 1024;

/** The command named in the path, if it is this node's; another node's command is forbidden. */
async function ownCommand(plane: ControlPlane, commandId: string | undefined, stored: StoredNode): Promise<CommandRef> {
  const ref = typeof commandId === 'string' && commandId.length <= 128 ? await plane.store.findCommand(commandId) : undefined;
  if (ref === undefined) throw new Problem('command_not_found', 'no such command');
  if (ref.node_id !== stored.node.node_id) throw new Problem('forbidden', 'a node may only act on its own commands');
  logger.appendKeys({ job_id: ref.job_id, command_id: ref.command_id });
  return ref;
}

async function openJob(plane: ControlPlane, ref: CommandRef): Promise<{ job: Job; customer: Customer }> {
  const snapshot = await plane.store.read({ customerId: ref.customer_id, jobId: ref.job_id });
  if (snapshot.job === undefined || snapshot.customer === undefined)
    throw new Problem('command_not_found', 'no such command for this node');
  return { job: snapshot.job, customer: snapshot.customer };
}

/** A node's call on one of its commands: the signed request, the command its path names, and the body as JSON. */
interface NodeCall {
  request: SignedNodeRequest;
  /** The body as JSON, read after the signature's check. */
  readBody: () => unknown;
}

interface CommandCall extends NodeCall {
  commandId: string | undefined;
}

/** How old the node's record read by the signature check may be when claiming; a longer poll reads it again. */
const FRESH_NODE_MS = 1000;

async function nodeNow(plane: ControlPlane, stored: StoredNode) {
  return (await plane.store.getNode(stored.node.node_id))?.node;
}

/** What a command was accepted for: its model and the transport key its request is sealed to (the job's `request_key_id`). */
const jobRoute = (command: NodeCommand) => ({ model_id: command.model_id, request_key_id: command.encrypted_request.key_id });

/**
 * `POST /v1/nodes/{node_id}/commands/pull`: long-polls the node's queue; each command is claimed and leased,
 * unless the node no longer takes it: then the job fails with `node_changed`. The node is as the
 * signature check read it, or, when the long poll waited longer than a job's route may be stale, as it is now.
 */
async function pullCommands(plane: ControlPlane, call: NodeCall) {
  const stored = await admitNode(plane, call.request);
  // A disabled node takes no new work: its queue is left as it is. What it already claimed it may still settle.
  if (stored.node.status !== 'active') throw new Problem('node_unavailable', 'the node is not active; it may not pull commands');
  const fields = closedObject(call.readBody(), PULL);
  const max = integerField(fields, 'max_commands', PULL.properties.max_commands);
  const waitSeconds = integerField(fields, 'wait_seconds', PULL.properties.wait_seconds);
  const leaseSeconds = integerField(fields, 'lease_seconds', PULL.properties.lease_seconds);
  const admittedAt = plane.now().getTime();
  const leased = await plane.queues.receive(stored.node.node_id, { max, waitSeconds, leaseSeconds });
  const now = plane.now();
  const node = leased.length === 0 || now.getTime() - admittedAt <= FRESH_NODE_MS ? stored.node : await nodeNow(plane, stored);
  const commands: PulledCommands['commands'] = [];
  let answerBytes = 0;
  for (const message of leased) {
    answerBytes += message.body.length;
    if (commands.length > 0 && answerBytes > MAX_PULL_ANSWER_BYTES) {
      // A Lambda answer holds 6 MB: the rest go back to the queue for the next pull.
      await plane.queues.extendLease(stored.node.node_id, message.leaseId, 0);
      continue;
    }
    const command = JSON.parse(message.body) as NodeCommand;
    const ref = await plane.store.findCommand(command.command_id);
    if (ref !== undefined && (node === undefined || !stillRoutable(node, jobRoute(command), now))) {
      // The node changed after the job was accepted (the job's transaction does not hold the node's item):
      // the job fails here, unclaimed, and its reservation is released; the node gets nothing.
      await releaseNamedJob(plane, { customerId: ref.customer_id, jobId: ref.job_id }, { status: 'failed', reason: 'node_changed' });
      await plane.queues.finish(stored.node.node_id, message.leaseId);
      continue;
    }
    const claimed = ref === undefined ? undefined : await claimJob(plane, ref, now.toISOString(), message.leaseId);
    const job = claimed === undefined ? undefined : await expireIfOverdue(plane, claimed);
    if (job?.status !== 'claimed') {
      // Closed since it was queued, past its deadline, or unknown: nothing for the node to do.
      await plane.queues.finish(stored.node.node_id, message.leaseId);
      continue;
    }
    commands.push({
      command,
      lease_id: message.leaseId,
      lease_expires_at: new Date(now.getTime() + leaseSeconds * 1000).toISOString(),
      delivery: message.receiveCount,
    });
  }
  return { commands };
}

/**
 * Claims the job under `leaseId`, which becomes its newest lease (on a re-delivery too); while a
 * transaction in flight holds it (it is being closed), tries again after a pause.
 */
function claimJob(plane: ControlPlane, ref: CommandRef, claimedAt: string, leaseId: string): Promise<Job | undefined> {
  return retryOnConflict(async () => {
    const claimed = await plane.store.claimJob(ref.customer_id, ref.job_id, claimedAt, leaseId);
    return claimed === 'held' ? RETRY.afterPause : done(claimed);
  });
}

/** `POST .../commands/{command_id}/lease`: extends the lease (0 gives the command back); answers the job's status. */
async function extendLease(plane: ControlPlane, call: CommandCall) {
  const stored = await admitNode(plane, call.request);
  const fields = closedObject(call.readBody(), LEASE);
  const leaseId = leaseField(fields);
  const seconds = integerField(fields, 'lease_seconds', LEASE.properties.lease_seconds);
  const ref = await ownCommand(plane, call.commandId, stored);
  const job = await expireIfOverdue(plane, (await openJob(plane, ref)).job);
  if (!isOpenStatus(job.status)) {
    await plane.queues.finish(stored.node.node_id, leaseId);
    return nodeJobView(job);
  }
  if (!(await plane.queues.extendLease(stored.node.node_id, leaseId, seconds))) {
    throw new Problem('lease_expired', 'the lease ended; the command will be delivered again');
  }
  return nodeJobView(job, new Date(plane.now().getTime() + seconds * 1000).toISOString());
}

/**
 * `POST .../commands/{command_id}/result`: the sealed answer and the signed receipt. The receipt
 * is checked once, before anything else is decided; then the job settles once (settle-job.ts).
 * The same result again answers the same; anything after the job closed is refused.
 */
async function postResult(plane: ControlPlane, call: CommandCall): Promise<NodeJobView> {
  const stored = await admitNode(plane, call.request);
  const fields = closedObject(call.readBody(), RESULT);
  const leaseId = leaseField(fields);
  const ref = await ownCommand(plane, call.commandId, stored);
  const read = await openJob(plane, ref);
  if (isOpenStatus(read.job.status) && !holdsNewestLease(read.job, leaseId)) throw supersededLease();
  const answer = checkAnswer(read.job, stored, fields);
  const { job, settled } = await settleAnsweredJob(plane, read, answer, leaseId);
  await plane.queues.finish(stored.node.node_id, leaseId);
  if (settled || (job.status === 'completed' && job.receipt_hash === answer.receiptHash)) return nodeJobView(job);
  throw new Problem('job_closed', `the job is ${job.status}; this result changes nothing`);
}

/** The answer sealed for the job's customer, with a receipt that states the job and verifies with the node's identity key. */
function checkAnswer(job: Job, stored: StoredNode, fields: Record<string, unknown>): CheckedAnswer {
  const check = checkEnvelope(fields.encrypted_response, 'response', { node_id: job.node_id, model_id: job.model_id, job_id: job.job_id });
  if (!check.ok) throw new Problem(check.tooLarge ? 'payload_too_large' : 'invalid_encrypted_request', check.reason);
  if (check.envelope.key_id !== job.request_key_id) {
    throw new Problem('invalid_encrypted_request', "a response repeats its request's key_id");
  }
  acceptReceipt(fields.receipt, fields.receipt_signature_ed25519, stored.node.identity_public_key_ed25519 ?? '', {
    node_id: job.node_id,
    model_id: job.model_id,
    job_id: job.job_id,
    command_id: job.command_id,
    price_wei: formatWei(job.quote.quoted_price_wei),
    request_sha256: job.request_sha256,
    response_sha256: envelopeSha256(check.envelope),
  });
  // Accepted: the text is a string and the signature a verified one.
  const receiptText = fields.receipt as string;
  return {
    encryptedResponse: check.envelope,
    receiptText,
    receiptHash: receiptHash(receiptText),
    receiptSignature: fields.receipt_signature_ed25519 as string,
  };
}

/** `POST .../commands/{command_id}/failure`: the node could not answer; the job fails and nothing is debited. */
async function postFailure(plane: ControlPlane, call: CommandCall): Promise<NodeJobView> {
  const stored = await admitNode(plane, call.request);
  const fields = closedObject(call.readBody(), FAILURE);
  const leaseId = leaseField(fields);
  const { code, message } = FAILURE.properties;
  if (typeof fields.code !== 'string' || !patternOf(code).test(fields.code)) {
    throw new Problem('invalid_request', `"code" must match ${code.pattern}`);
  }
  if (fields.message !== undefined && (typeof fields.message !== 'string' || fields.message.length > message.maxLength)) {
    throw new Problem('invalid_request', `"message" must be a string of at most ${message.maxLength} characters`);
  }
  const ref = await ownCommand(plane, call.commandId, stored);
  const { job: read } = await openJob(plane, ref);
  const job = await expireIfOverdue(plane, read);
  const { job: failed } = await releaseOpenJob(plane, job, { status: 'failed', reason: fields.code, leaseId });
  await plane.queues.finish(stored.node.node_id, leaseId);
  if (failed.status === 'failed') return nodeJobView(failed);
  throw new Problem('job_closed', `the job is ${failed.status}; this failure changes nothing`);
}

export type { CommandCall, NodeCall };
export { extendLease, postFailure, postResult, pullCommands };
