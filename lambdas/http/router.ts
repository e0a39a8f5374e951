/**
 * A Lambda's entry point: dispatches an API Gateway proxy event to the route's service function.
 * The `problemResponses` middleware turns every failure into an HTTP answer: a Problem becomes its
 * B3IQ-native body; anything else is logged without its message and answered as the 500
 * `internal_error` problem, whose detail says nothing of the error.
 */

import { isId } from '@b3iq/protocol';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { Problem } from '../domain/problems.js';
import { invocationContext } from '../observability/invocation.js';
import { describeError, logger } from '../observability/logger.js';
import { type HttpRequest, headerOf, toHttpRequest } from './request.js';
import { type HttpResponse, internalError, problemResult, toProxyResult } from './response.js';
import { API_ROUTES, type RouteKey, routeKey } from './routes.js';

type RouteHandler = (request: HttpRequest) => Promise<HttpResponse>;

/** Each path of the contract and the methods it serves, for the `Allow` header of a 405. */
const ALLOWED_METHODS = new Map<string, string[]>();
for (const route of API_ROUTES) ALLOWED_METHODS.set(route.path, [...(ALLOWED_METHODS.get(route.path) ?? []), route.method]);

function unrouted(request: HttpRequest): Problem {
  const allow = ALLOWED_METHODS.get(request.route);
  return allow === undefined
    ? new Problem('not_found', 'no such route')
    : new Problem('method_not_allowed', `${request.method} is not supported on this route`, { allow });
}

/**
 * Answers failures as problems, logs one line per request (route, status, code, customer, time)
 * and writes the metrics the request recorded.
 */
function problemResponses(): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  const startedAt = new WeakMap<object, number>();
  const log = (event: APIGatewayProxyEvent, status: number, code?: string) => {
    const customerId = headerOf(event.headers, 'x-b3iq-customer-id');
    logger.info('request', {
      method: event.httpMethod,
      route: event.resource,
      status,
      ...(code === undefined ? {} : { code }),
      ...(isId('customer_id', customerId) ? { customer_id: customerId } : {}),
      duration_ms: Math.round(performance.now() - (startedAt.get(event) ?? performance.now())),
    });
  };
  return {
    before: (request) => {
      startedAt.set(request.event, performance.now());
      // Every line of this request carries its ids (invocationContext dropped the previous request's).
      const jobId = request.event.pathParameters?.job_id;
      logger.appendKeys({
        request_id: request.event.requestContext?.requestId,
        ...(isId('job_id', jobId) ? { job_id: jobId } : {}),
      });
    },
    after: (request) => {
      log(request.event, request.response?.statusCode ?? 200);
    },
    onError: (request) => {
      const { error } = request;
      if (error instanceof Problem) {
        request.response = problemResult(error);
        log(request.event, error.status, error.code);
        return;
      }
      logger.error('unexpected error', describeError(error));
      request.response = internalError();
      log(request.event, 500, 'internal_error');
    },
  };
}

/**
 * Runs a request's work within the time the function has left (`remainingMs`, read from the
 * Lambda context when the invocation starts), e.g. under a deadline its retry loops respect.
 */
type WithinTime = <T>(remainingMs: number, work: () => Promise<T>) => Promise<T>;

const unbounded: WithinTime = (_remainingMs, work) => work();

/** The Lambda handler for a set of routes of the contract. */
function apiHandler(routes: Partial<Record<RouteKey, RouteHandler>>, within: WithinTime = unbounded) {
  const table = new Map<string, RouteHandler>(Object.entries(routes) as [string, RouteHandler][]);
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(invocationContext<APIGatewayProxyEvent, APIGatewayProxyResult>())
    .use(problemResponses())
    .handler(async (event, context) => {
      const remainingMs = (context as Context | undefined)?.getRemainingTimeInMillis?.();
      const request = toHttpRequest(event);
      const handle = table.get(routeKey({ method: request.method, path: request.route }));
      if (handle === undefined) throw unrouted(request);
      const work = async () => toProxyResult(await handle(request));
      return remainingMs === undefined ? work() : within(remainingMs, work);
    });
}

export type { RouteHandler, WithinTime };
export { apiHandler };
