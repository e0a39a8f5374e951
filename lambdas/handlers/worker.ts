/** A worker Lambda (stream, queue or schedule): the service call under the same middleware as the API. */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { invocationContext } from '../observability/invocation.js';

/** A context a test may leave out; a deployed worker always has one. */
type WorkerContext = Partial<Pick<Context, 'getRemainingTimeInMillis'>> | undefined;

function workerHandler<Event, Result>(work: (event: Event, context: WorkerContext) => Promise<Result>) {
  const handler = middy<Event, Result>()
    .use(invocationContext<Event, Result>())
    .handler((event, context) => work(event, context as WorkerContext));
  return (event: Event, context?: WorkerContext): Promise<Result> => handler(event, context as Context);
}

export { workerHandler };
