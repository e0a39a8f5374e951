import { describe, expect, it } from 'vitest';
import type { ProblemCode } from '../../../lambdas/domain/problems.js';
import { type HttpRequest, peekJsonFields, readJsonBody } from '../../../lambdas/http/request.js';
import { problemOf } from '../support/problem.js';

const MIB = 1024 * 1024;

function httpRequest(body: string, contentType?: string): HttpRequest {
  return {
    method: 'POST',
    route: '/v1/private-inference/jobs',
    path: '/v1/private-inference/jobs',
    pathParameters: {},
    query: {},
    headers: contentType === undefined ? {} : { 'content-type': contentType },
    body,
    sourceAddress: undefined,
  };
}

/** A JSON string value whose body is exactly `bytes` UTF-8 bytes long. */
function jsonOfBytes(bytes: number): string {
  return `"${'a'.repeat(bytes - 2)}"`;
}

describe('readJsonBody', () => {
  it.each([
    { case: 'plain', contentType: 'application/json' },
    { case: 'mixed case with charset', contentType: 'Application/JSON; charset=utf-8' },
    { case: 'spaces around the type', contentType: ' application/json ;charset=UTF-8' },
  ])('parses a JSON body sent as application/json ($case)', ({ contentType }) => {
    expect(readJsonBody(httpRequest('{"a":[1,"b"]}', contentType))).toEqual({ a: [1, 'b'] });
  });

  it('accepts a body of exactly 1 MiB (boundary)', () => {
    expect(readJsonBody(httpRequest(jsonOfBytes(MIB), 'application/json'))).toHaveLength(MIB - 2);
  });

  it.each<{ case: string; body: string; contentType?: string; options?: { emptyIsObject?: boolean }; code: ProblemCode; status: number }>([
    { case: 'no content type', body: '{}', code: 'unsupported_media_type', status: 415 },
    { case: 'text/plain', body: '{}', contentType: 'text/plain', code: 'unsupported_media_type', status: 415 },
    { case: 'json suffix type', body: '{}', contentType: 'application/merge-patch+json', code: 'unsupported_media_type', status: 415 },
    {
      case: 'json as a parameter',
      body: '{}',
      contentType: 'text/plain; type=application/json',
      code: 'unsupported_media_type',
      status: 415,
    },
    { case: 'empty content type', body: '{}', contentType: '', code: 'unsupported_media_type', status: 415 },
    { case: 'body over 1 MiB', body: jsonOfBytes(MIB + 1), contentType: 'application/json', code: 'payload_too_large', status: 413 },
    {
      case: 'body over 1 MiB in UTF-8 bytes, not in chars',
      body: `"${'é'.repeat(MIB / 2)}"`,
      contentType: 'application/json',
      code: 'payload_too_large',
      status: 413,
    },
    {
      case: 'media type checked before size',
      body: jsonOfBytes(MIB + 1),
      contentType: 'text/plain',
      code: 'unsupported_media_type',
      status: 415,
    },
    { case: 'invalid JSON', body: '{"a":', contentType: 'application/json', code: 'invalid_request', status: 400 },
    { case: 'invalid JSON, trailing comma', body: '{"a":1,}', contentType: 'application/json', code: 'invalid_request', status: 400 },
    { case: 'empty body', body: '', contentType: 'application/json', code: 'invalid_request', status: 400 },
    {
      case: 'empty body, emptyIsObject false',
      body: '',
      contentType: 'application/json',
      options: { emptyIsObject: false },
      code: 'invalid_request',
      status: 400,
    },
    {
      case: 'whitespace body with emptyIsObject',
      body: '  ',
      contentType: 'application/json',
      options: { emptyIsObject: true },
      code: 'invalid_request',
      status: 400,
    },
  ])('throws the contract problem ($case)', ({ body, contentType, options, code, status }) => {
    // Act
    const problem = problemOf(() => readJsonBody(httpRequest(body, contentType), options));

    // Assess
    expect(problem.code).toBe(code);
    expect(problem.status).toBe(status);
  });

  it.each([
    { case: 'with a content type', contentType: 'application/json' },
    { case: 'without a content type', contentType: undefined },
  ])('reads an empty body as {} when emptyIsObject is set ($case)', ({ contentType }) => {
    expect(readJsonBody(httpRequest('', contentType), { emptyIsObject: true })).toEqual({});
  });

  it('still parses a non-empty body when emptyIsObject is set (emptyIsObject)', () => {
    expect(readJsonBody(httpRequest('{"customer_id":"acme"}', 'application/json'), { emptyIsObject: true })).toEqual({
      customer_id: 'acme',
    });
  });
});

describe('peekJsonFields', () => {
  it.each([
    { case: 'not JSON', body: '{"node_id":' },
    { case: 'a JSON array', body: '[{"node_id":"n-1"}]' },
    { case: 'an empty body', body: '' },
  ])('names nothing for $case', ({ body }) => {
    expect(peekJsonFields(httpRequest(body, 'application/json'), ['node_id'])).toEqual({});
  });

  it('names the fields asked for, checked or not, and leaves the body to readJsonBody', () => {
    // Prepare
    const request = httpRequest('{"node_id":"n-1","job_id":7,"other":true}', 'text/plain');

    // Act
    const peeked = peekJsonFields(request, ['node_id', 'job_id', 'missing']);

    // Assess: peeking does not check the media type; reading still does.
    expect(peeked).toEqual({ node_id: 'n-1', job_id: 7, missing: undefined });
    expect(problemOf(() => readJsonBody(request)).code).toBe('unsupported_media_type');
  });
});
