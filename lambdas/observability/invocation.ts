/**
 * The middleware every Lambda runs under, API and workers alike: each log line of an invocation
 * carries the Lambda context (function, request id, cold start) and only this invocation's keys,
 * and the metrics the invocation recorded are written when it ends, whether it succeeded or not.
 */
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger } from './logger.js';
import { publishMetrics } from './metrics.js';

function invocationContext<Event, Result>(): MiddlewareObj<Event, Result> {
  return {
    before: (request) => {
      // Keys a previous invocation appended are dropped.
      logger.resetKeys();
      // A worker run in-process by a test may have no context.
      if ((request.context as Context | undefined) !== undefined) logger.addContext(request.context);
    },
    after: () => {
      publishMetrics();
    },
    onError: () => {
      publishMetrics();
    },
  };
}

export { invocationContext };
