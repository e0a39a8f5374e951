/** Timestamps as the contract writes them: RFC 3339 UTC ending in `Z`, fractional seconds allowed. */

const RFC3339_UTC = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** A real RFC 3339 UTC instant (2026-02-30 is not one). */
function isTimestamp(value: unknown): value is string {
  const match = typeof value === 'string' ? RFC3339_UTC.exec(value) : null;
  if (match === null) return false;
  const parsed = new Date(value as string);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(match[1] as string);
}

export { isTimestamp };
