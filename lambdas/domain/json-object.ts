/** Request bodies are JSON objects with a closed set of fields. */
import { Problem } from './problems.js';

/** The value as an object, or 400 `invalid_request` if it is not one or has a field outside `allowed`. */
function closedObject(value: unknown, allowed: readonly string[], where = 'the body'): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Problem('invalid_request', `${where} must be a JSON object`);
  }
  const extra = Object.keys(value).find((name) => !allowed.includes(name));
  if (extra !== undefined) throw new Problem('invalid_request', `unknown field "${extra}" in ${where}`);
  return value as Record<string, unknown>;
}

export { closedObject };
