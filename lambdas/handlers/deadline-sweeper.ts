/** Lambda: the deadline sweeper, run on a schedule. */
import type { Context } from 'aws-lambda';
import { logger } from '../observability/logger.js';
import { controlPlaneFromEnv } from '../services/control-plane.js';
import { expireOverdueJobs, type SweepReport } from '../services/deadline-sweeper.js';

const plane = controlPlaneFromEnv();
/** Time kept back from the function's timeout to finish the pages already started. */
const MARGIN_MS = 10_000;

export async function handler(_event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<SweepReport> {
  const remaining = context?.getRemainingTimeInMillis?.();
  const report = await expireOverdueJobs(plane, remaining === undefined ? {} : { stopBy: Date.now() + remaining - MARGIN_MS });
  logger.info('swept', { ...report });
  return report;
}
