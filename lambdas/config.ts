/**
 * Lambda configuration, read once at init from the environment the stack sets. A missing or
 * malformed value fails the cold start loudly instead of a request later.
 */

function required(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.length === 0) throw new Error(`environment variable ${name} is not set`);
  return value;
}

function integer(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw.length === 0) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`environment variable ${name} must be an integer`);
  return value;
}

/** A text value, or `fallback` when it is unset or empty. */
function text(name: string, fallback: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  return value === undefined || value.length === 0 ? fallback : value;
}

export { integer, required, text };
