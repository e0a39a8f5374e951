/** `GET /v1/openapi.json`: the contract's OpenAPI 3.1 document. Public: no credentials, no store read. */
import { openApiDocument } from '../http/openapi.js';
import type { HttpResponse } from '../http/response.js';

async function getOpenApiDocument(): Promise<HttpResponse> {
  return { status: 200, body: openApiDocument() };
}

export { getOpenApiDocument };
