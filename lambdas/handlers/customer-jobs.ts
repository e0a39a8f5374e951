/** Lambda: the customer's writes: submit a job, cancel a job. */
import { apiHandler } from '../http/router.js';
import { cancelJob } from '../services/cancel-job.js';
import { controlPlaneFromEnv } from '../services/control-plane.js';
import { submitJob } from '../services/submit-job.js';

const plane = controlPlaneFromEnv();

export const handler = apiHandler({
  'POST /v1/private-inference/jobs': (request) => submitJob(plane, request),
  'POST /v1/private-inference/jobs/{job_id}/cancel': (request) => cancelJob(plane, request),
});
