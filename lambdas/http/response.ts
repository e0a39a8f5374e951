/** Every answer is JSON; problems use the B3IQ-native shape. Nothing is cached by intermediaries. */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { Problem } from '../domain/problems.js';

interface HttpResponse {
  status: number;
  body: unknown;
}

const HEADERS = {
  'Content-Type': 'application/json',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

function toProxyResult(response: HttpResponse): APIGatewayProxyResult {
  return { statusCode: response.status, headers: HEADERS, body: JSON.stringify(response.body) };
}

function problemResult(problem: Problem): APIGatewayProxyResult {
  const result = toProxyResult({ status: problem.status, body: problem.toBody() });
  return {
    ...result,
    headers: {
      ...result.headers,
      ...(problem.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(problem.retryAfterSeconds) }),
      ...(problem.allow === undefined ? {} : { Allow: problem.allow.join(', ') }),
    },
  };
}

const internalError = (): APIGatewayProxyResult =>
  problemResult(new Problem('internal_error', 'an unexpected error stopped the request; try again later'));

export type { HttpResponse };
export { internalError, problemResult, toProxyResult };
