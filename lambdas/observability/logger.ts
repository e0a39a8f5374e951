/**
 * One structured JSON logger for every Lambda. Events are never logged: they carry tokens and
 * envelopes. Log lines name ids, codes and timings only.
 */
import { Logger } from '@aws-lambda-powertools/logger';

const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'b3iq-control-plane' });

/** An unexpected error, reduced to what is safe to log: its class, AWS error code and stack frames. */
function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error_type: typeof error };
  const metadata = (error as { $metadata?: { httpStatusCode?: number; requestId?: string } }).$metadata;
  return {
    error_name: error.name,
    aws_status: metadata?.httpStatusCode,
    aws_request_id: metadata?.requestId,
    // Messages are left out: a service's message can quote the values it was sent.
    stack: error.stack?.split('\n').slice(1, 8).join('\n'),
  };
}

export { describeError, logger };
