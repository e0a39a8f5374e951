/**
 * Strict validation of `POST /v1/private-inference/jobs` bodies. Everything here runs before
 * anything is read for the job or written, so a bad request changes nothing.
 */
import { createHash } from 'node:crypto';
import { checkEnvelope, type Envelope, isId, JOB_REQUEST, parseWei } from '@b3iq/protocol';
import { invalidId } from './ids.js';
import { closedObject } from './json-object.js';
import { Problem } from './problems.js';

interface JobRequest {
  job_id?: string;
  node_id: string;
  model_id: string;
  max_price_wei?: bigint;
  encrypted_request: Envelope;
}

function invalidRequest(detail: string): Problem {
  return new Problem('invalid_request', detail);
}

function parseJobRequest(body: unknown): JobRequest {
  const fields = closedObject(body, JOB_REQUEST);
  for (const name of JOB_REQUEST.required) {
    if (fields[name] === undefined) throw invalidRequest(`"${name}" is required`);
  }
  if (fields.job_id !== undefined && !isId('job_id', fields.job_id)) throw invalidId('job_id');
  if (!isId('node_id', fields.node_id)) throw invalidId('node_id');
  if (!isId('model_id', fields.model_id)) throw invalidId('model_id');
  const maxPrice = fields.max_price_wei === undefined ? undefined : parseWei(fields.max_price_wei);
  if (fields.max_price_wei !== undefined && maxPrice === undefined) {
    throw invalidRequest('"max_price_wei" must be a decimal wei string of at most 38 digits');
  }

  const check = checkEnvelope(fields.encrypted_request, 'request', { node_id: fields.node_id, model_id: fields.model_id });
  if (!check.ok) throw new Problem(check.tooLarge ? 'payload_too_large' : 'invalid_encrypted_request', check.reason);

  return {
    ...(fields.job_id === undefined ? {} : { job_id: fields.job_id as string }),
    node_id: fields.node_id,
    model_id: fields.model_id,
    ...(maxPrice === undefined ? {} : { max_price_wei: maxPrice }),
    encrypted_request: check.envelope,
  };
}

/**
 * What makes two requests with one `job_id` identical: node, model, ceiling (absent differs from
 * present) and every envelope field, whatever the key order or whitespace of the JSON.
 */
function jobRequestFingerprint(request: JobRequest): string {
  const envelope = Object.entries(request.encrypted_request).sort(([a], [b]) => (a < b ? -1 : 1));
  const canonical = JSON.stringify([
    request.node_id,
    request.model_id,
    request.max_price_wei === undefined ? null : request.max_price_wei.toString(),
    envelope,
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export type { JobRequest };
export { jobRequestFingerprint, parseJobRequest };
