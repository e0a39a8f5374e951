/** A hostile middle's forgery: a job view whose answer it sealed itself, as the node would, to the request's ephemeral public key. */
import { decodeBase64url, type Envelope, type JobView, sealEnvelope } from '@b3iq/protocol';

/** The job view with its answer replaced by `text`, sealed to the request's ephemeral public key as the node would. */
function forgedAnswer(job: JobView, text: string): JobView {
  const request = job.encrypted_request as Envelope;
  const answer = { message: { role: 'assistant', content: text }, usage: { prompt_tokens: 1, completion_tokens: 1 } };
  const { envelope } = sealEnvelope(
    'response',
    decodeBase64url(request.client_public_key_x25519) as Uint8Array,
    { key_id: request.key_id, node_id: job.node_id, model_id: job.model_id, job_id: job.job_id },
    new TextEncoder().encode(JSON.stringify(answer)),
  );
  return { ...job, status: 'completed', encrypted_response: envelope as JobView['encrypted_response'] };
}

export { forgedAnswer };
