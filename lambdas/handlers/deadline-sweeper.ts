/** Lambda: the deadline sweeper, run on a schedule; it also reports the age of the oldest reservation. */
import { logger } from '../observability/logger.js';
import { recordOldestReservationAge } from '../observability/metrics.js';
import { expireOverdueJobs, oldestReservationAgeSeconds, type SweepReport } from '../services/deadline-sweeper.js';
import { controlPlaneFromEnv } from './control-plane-from-env.js';
import { workerHandler } from './worker.js';

const plane = controlPlaneFromEnv(process.env, {});
/** Time kept back from the function's timeout to finish the pages already started. */
const MARGIN_MS = 10_000;

const handler = workerHandler(async (_event: unknown, context): Promise<SweepReport & { oldest_reservation_age_seconds: number }> => {
  const remaining = context?.getRemainingTimeInMillis?.();
  const report = await expireOverdueJobs(plane, remaining === undefined ? {} : { stopBy: Date.now() + remaining - MARGIN_MS });
  const oldest = await oldestReservationAgeSeconds(plane);
  recordOldestReservationAge(oldest);
  logger.info('swept', { ...report, oldest_reservation_age_seconds: oldest });
  return { ...report, oldest_reservation_age_seconds: oldest };
});

export { handler };
