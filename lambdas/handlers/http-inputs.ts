/**
 * What the use cases take, read from an HTTP request: the caller's credentials, the ids in the
 * path, a node's signed request, and the body as JSON (read lazily, so that its problems come
 * after the credentials' in the contract's order).
 */
import { isId, NODE_HEADERS } from '@b3iq/protocol';
import { type HttpRequest, readJsonBody } from '../http/request.js';
import type { CustomerCredentials } from '../services/customer-access.js';
import type { SignedNodeRequest } from '../services/node-access.js';

function customerCredentials(request: HttpRequest): CustomerCredentials {
  const id = request.headers['x-b3iq-customer-id'];
  return {
    customerId: isId('customer_id', id) ? id : undefined,
    token: request.headers['x-b3iq-customer-token'],
    sourceAddress: request.sourceAddress,
  };
}

/** A path id that breaks its pattern names nothing: it is read as absent and answered 404. */
function pathId(request: HttpRequest, name: 'job_id' | 'node_id'): string | undefined {
  const value = request.pathParameters[name];
  return isId(name, value) ? value : undefined;
}

/** The parts of a node's request its signature covers, and the node its path names. */
function signedNodeRequest(request: HttpRequest): SignedNodeRequest {
  return {
    nodeId: request.headers[NODE_HEADERS.nodeId],
    method: request.method,
    path: request.path,
    timestamp: request.headers[NODE_HEADERS.timestamp] ?? '',
    nonce: request.headers[NODE_HEADERS.nonce] ?? '',
    signature: request.headers[NODE_HEADERS.signature],
    body: request.body,
    pathNodeId: request.pathParameters.node_id,
  };
}

/** The body as JSON, read when the use case asks for it. */
const jsonBody =
  (request: HttpRequest, options: { emptyIsObject?: boolean } = {}) =>
  (): unknown =>
    readJsonBody(request, options);

export { customerCredentials, jsonBody, pathId, signedNodeRequest };
