/** Lambda: the deadline sweeper, run on a schedule; it also reports the age of the oldest reservation. */
import type { Context } from 'aws-lambda';
import { logger } from '../observability/logger.js';
import { publishMetrics, recordOldestReservationAge } from '../observability/metrics.js';
import { controlPlaneFromEnv } from '../services/control-plane.js';
import { expireOverdueJobs, oldestReservationAgeSeconds, type SweepReport } from '../services/deadline-sweeper.js';

const plane = controlPlaneFromEnv();
/** Time kept back from the function's timeout to finish the pages already started. */
const MARGIN_MS = 10_000;

export async function handler(
  _event: unknown,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<SweepReport & { oldest_reservation_age_seconds: number }> {
  try {
    const remaining = context?.getRemainingTimeInMillis?.();
    const report = await expireOverdueJobs(plane, remaining === undefined ? {} : { stopBy: Date.now() + remaining - MARGIN_MS });
    const oldest = await oldestReservationAgeSeconds(plane);
    recordOldestReservationAge(oldest);
    logger.info('swept', { ...report, oldest_reservation_age_seconds: oldest });
    return { ...report, oldest_reservation_age_seconds: oldest };
  } finally {
    publishMetrics();
  }
}
