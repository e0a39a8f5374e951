/**
 * The OpenAPI 3.1 document of the HTTP contract, served at `GET /v1/openapi.json`: the operation
 * catalogue (`openapi-operations.ts`) rendered by `openapi-render.ts`. Request bodies and answers
 * are the declarations of `@b3iq/protocol`'s `schemas/` that the parsers validate with and the views are
 * typed from, so the document, the validation and the answers cannot drift apart.
 */
import { CATALOGUE, UNROUTED } from './openapi-operations.js';
import { type OpenApiDocument, renderDocument } from './openapi-render.js';
import type { HttpResponse } from './response.js';

let built: OpenApiDocument | undefined;

/** The document, built once per container. */
function openApiDocument(): OpenApiDocument {
  built ??= renderDocument(CATALOGUE);
  return built;
}

/** `GET /v1/openapi.json`: public, no credentials, no store read. */
function openApiAnswer(): HttpResponse {
  return { status: 200, body: openApiDocument() };
}

export type { OpenApiDocument };
export { openApiAnswer, openApiDocument, UNROUTED };
