/**
 * `GET /v1/openapi.json`: public, through the handler and through the deployed API Gateway and
 * bundled Lambda. (Every answer `callApi` sees in the other integration tests is checked against
 * this document by `support/api.ts`.)
 */
import { describe, expect, inject, it } from 'vitest';
import { openApiDocument } from '../../lambdas/http/openapi.js';
import { callApi } from './support/api.js';
import { OpenApiContract } from './support/openapi-contract.js';

const { apiUrl } = inject('localStack');

describe('GET /v1/openapi.json', () => {
  it('answers the document without credentials, as JSON', async () => {
    // Act
    const answer = await callApi('GET', '/v1/openapi.json');

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.headers['Content-Type']).toBe('application/json');
    expect(answer.body).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it('answers 405 in the problem shape for another method', async () => {
    const answer = await callApi('POST', '/v1/openapi.json', { json: {} });

    expect(answer.status).toBe(405);
    expect(answer.body.error.code).toBe('method_not_allowed');
    expect(answer.headers.Allow).toBe('GET');
  });

  it('answers a 405 through the deployed API with the Allow header listing the methods the path serves', async () => {
    // Act
    const response = await fetch(`${apiUrl}/v1/admin/customers/cus-allow/tokens`, { method: 'PATCH' });

    // Assess
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST, GET');
  });

  it('is served by the deployed API, and what it serves is valid OpenAPI 3.1', async () => {
    // Act
    const response = await fetch(`${apiUrl}/v1/openapi.json`);
    const served = (await response.json()) as ReturnType<typeof openApiDocument>;

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(served).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    expect(new OpenApiContract(served).documentProblems()).toEqual([]);
  });
});
