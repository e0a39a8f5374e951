/** Lambda: `POST /v1/private-inference/jobs`. */
import { apiHandler } from '../http/router.js';
import { controlPlaneFromEnv } from '../services/control-plane.js';
import { submitJob } from '../services/submit-job.js';

const plane = controlPlaneFromEnv();

export const handler = apiHandler({
  'POST /v1/private-inference/jobs': (request) => submitJob(plane, request),
});
