/** Lambda: the node-facing API (`b3iq-node-signature-v1`). */
import type { HttpRequest } from '../http/request.js';
import { apiHandler } from '../http/router.js';
import { extendLease, postFailure, postResult, pullCommands } from '../services/node-commands.js';
import { withinRemainingTime } from '../services/request-deadline.js';
import { controlPlaneFromEnv } from './control-plane-from-env.js';
import { jsonBody, signedNodeRequest } from './http-inputs.js';

const plane = controlPlaneFromEnv(process.env, { queues: true, nodeSightings: true });

/** A node's call on the command its path names. */
const commandCall = (request: HttpRequest) => ({
  request: signedNodeRequest(request),
  commandId: request.pathParameters.command_id,
  readBody: jsonBody(request),
});

const ok = (body: unknown) => ({ status: 200, body });

const handler = apiHandler(
  {
    'POST /v1/nodes/{node_id}/commands/pull': async (request) =>
      ok(await pullCommands(plane, { request: signedNodeRequest(request), readBody: jsonBody(request, { emptyIsObject: true }) })),
    'POST /v1/nodes/{node_id}/commands/{command_id}/lease': async (request) => ok(await extendLease(plane, commandCall(request))),
    'POST /v1/nodes/{node_id}/commands/{command_id}/result': async (request) => ok(await postResult(plane, commandCall(request))),
    'POST /v1/nodes/{node_id}/commands/{command_id}/failure': async (request) => ok(await postFailure(plane, commandCall(request))),
  },
  withinRemainingTime,
);

export { handler };
