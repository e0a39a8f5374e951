/** Request bodies are JSON objects with a closed set of fields, declared in `schemas/requests.ts`. */

import { fieldsOf, type IntegerSchema, type ObjectSchema } from '@b3iq/protocol';
import { Problem } from './problems.js';

/**
 * The value as an object, or 400 `invalid_request` if it is not one or has a field outside the
 * schema's properties (or outside `allowed`).
 */
function closedObject(value: unknown, allowed: readonly string[] | ObjectSchema, where = 'the body'): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Problem('invalid_request', `${where} must be a JSON object`);
  }
  const names = 'properties' in allowed ? fieldsOf(allowed) : allowed;
  const extra = Object.keys(value).find((name) => !names.includes(name));
  if (extra !== undefined) throw new Problem('invalid_request', `unknown field "${extra}" in ${where}`);
  return value as Record<string, unknown>;
}

/**
 * An integer field within its schema's bounds, its default when absent (`undefined` when it has
 * none), or 400 `invalid_request` naming the bounds.
 */
function integerField<S extends IntegerSchema>(
  fields: Record<string, unknown>,
  name: string,
  schema: S,
): S extends { default: number } ? number : number | undefined;
function integerField(fields: Record<string, unknown>, name: string, schema: IntegerSchema): number | undefined {
  const value = fields[name] === undefined ? schema.default : fields[name];
  if (value === undefined) return undefined;
  const { minimum, maximum = Number.MAX_SAFE_INTEGER } = schema;
  if (!(Number.isSafeInteger(value) && (value as number) >= minimum && (value as number) <= maximum)) {
    throw new Problem('invalid_request', `"${name}" must be an integer from ${minimum} to ${maximum}`);
  }
  return value as number;
}

export { closedObject, integerField };
