/** Lambda: the node-facing API (`b3iq-node-signature-v1`). */
import { apiHandler } from '../http/router.js';
import { controlPlaneFromEnv } from '../services/control-plane.js';
import { extendLease, postFailure, postResult, pullCommands } from '../services/node-commands.js';

const plane = controlPlaneFromEnv();

export const handler = apiHandler({
  'POST /v1/nodes/{node_id}/commands/pull': (request) => pullCommands(plane, request),
  'POST /v1/nodes/{node_id}/commands/{command_id}/lease': (request) => extendLease(plane, request),
  'POST /v1/nodes/{node_id}/commands/{command_id}/result': (request) => postResult(plane, request),
  'POST /v1/nodes/{node_id}/commands/{command_id}/failure': (request) => postFailure(plane, request),
});
