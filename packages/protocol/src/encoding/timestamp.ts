/** Timestamps as the contract writes them: RFC 3339 UTC ending in `Z`, fractional seconds allowed. */
import { TIMESTAMP } from '../schemas/fields.js';
import { patternOf } from '../schemas/schema.js';

const RFC3339_UTC = patternOf(TIMESTAMP);

/** A real RFC 3339 UTC instant (2026-02-30 is not one). */
function isTimestamp(value: unknown): value is string {
  const match = typeof value === 'string' ? RFC3339_UTC.exec(value) : null;
  if (match === null) return false;
  const parsed = new Date(value as string);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(match[1] as string);
}

export { isTimestamp };
