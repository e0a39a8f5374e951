/**
 * Request and response shapes declared once, as data: a small subset of JSON Schema 2020-12.
 * The request parsers read their field lists, required fields, patterns, bounds and defaults from
 * these declarations (and keep their own error codes and messages, which the contract pins);
 * `lambdas/http/openapi.ts` renders the same declarations into the OpenAPI 3.1 document.
 *
 * Objects are closed (`additionalProperties: false`) unless `open` is set. `bytes` on a string
 * means canonical base64url without padding of that many bytes. `name` makes a schema a named
 * component of the document. `nullable` adds `null` to the allowed values.
 */

interface SchemaCommon {
  description?: string;
  /** The component name in the OpenAPI document; unnamed schemas are written inline. */
  name?: string;
  nullable?: boolean;
}

interface StringSchema extends SchemaCommon {
  type: 'string';
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  enum?: readonly string[];
  format?: 'date-time';
  /** Canonical base64url without padding of exactly `n` bytes, or of `min`..`max` bytes. */
  bytes?: number | { min: number; max: number };
}

interface IntegerSchema extends SchemaCommon {
  type: 'integer';
  minimum: number;
  maximum?: number;
  default?: number;
}

interface BooleanSchema extends SchemaCommon {
  type: 'boolean';
  default?: boolean;
}

interface ArraySchema extends SchemaCommon {
  type: 'array';
  items: Schema;
  minItems?: number;
}

interface ObjectSchema extends SchemaCommon {
  type: 'object';
  properties: Readonly<Record<string, Schema>>;
  required?: readonly string[];
  /** Allows fields beyond `properties` (only for answers that embed a document of their own). */
  open?: boolean;
}

type Schema = StringSchema | IntegerSchema | BooleanSchema | ArraySchema | ObjectSchema;

const compiled = new WeakMap<StringSchema, RegExp>();

/** The schema's `pattern` as a RegExp, compiled once. */
function patternOf(schema: StringSchema & { pattern: string }): RegExp {
  let regex = compiled.get(schema);
  if (regex === undefined) {
    regex = new RegExp(schema.pattern);
    compiled.set(schema, regex);
  }
  return regex;
}

/** The object's field names, in their declared order. */
function fieldsOf(schema: ObjectSchema): string[] {
  return Object.keys(schema.properties);
}

/** The length of `n` bytes in base64url without padding. */
function base64urlLength(bytes: number): number {
  return Math.ceil((bytes * 4) / 3);
}

export type { ArraySchema, BooleanSchema, IntegerSchema, ObjectSchema, Schema, StringSchema };
export { base64urlLength, fieldsOf, patternOf };
