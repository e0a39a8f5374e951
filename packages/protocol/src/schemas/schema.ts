/**
 * Request and response shapes declared once, as data: a small subset of JSON Schema 2020-12.
 * The request parsers read their field lists, required fields, patterns, bounds and defaults from
 * these declarations (and keep their own error codes and messages, which the contract pins); the
 * views that shape the answers are typed from them with `Infer`; `lambdas/http/openapi-render.ts`
 * renders the same declarations into the OpenAPI 3.1 document.
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

/** `T`, and `null` when the schema is nullable. */
type Nullable<S, T> = S extends { nullable: true } ? T | null : T;

/** The fields of an object schema: its `required` ones, and the rest optional. */
type InferObject<P, R> = {
  -readonly [K in keyof P as K extends R ? K : never]: Infer<P[K]>;
} & {
  -readonly [K in keyof P as K extends R ? never : K]?: Infer<P[K]>;
};

/** Shows an intersection of mapped types as one object type (in editor hints and tsc's messages). */
type Flat<T> = { [K in keyof T]: T[K] } & {};

/**
 * The TypeScript type of the values a schema declared `as const` allows: a string's `enum` is
 * its union of literals, an integer a number, an array of its items, an object of its fields
 * (the `required` ones required, an `open` object with any further field), `nullable` adds
 * `null`. A view typed with it fails to compile when it and its schema disagree on a field.
 */
type Infer<S> = S extends { type: 'string' }
  ? Nullable<S, S extends { enum: readonly (infer E)[] } ? E : string>
  : S extends { type: 'integer' }
    ? Nullable<S, number>
    : S extends { type: 'boolean' }
      ? Nullable<S, boolean>
      : S extends { type: 'array'; items: infer I }
        ? Nullable<S, Infer<I>[]>
        : S extends { type: 'object'; properties: infer P }
          ? Nullable<
              S,
              Flat<
                InferObject<P, S extends { required: readonly (infer R)[] } ? R : never> &
                  (S extends { open: true } ? Record<string, unknown> : unknown)
              >
            >
          : never;

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

const ANY_CHAR = '[A-Za-z0-9_-]';
/**
 * The last character of canonical base64url when the byte count leaves 1 or 2 bytes over a
 * multiple of 3: it carries 4 or 2 bits of padding, which canonical encoding zeroes.
 */
const LAST_CHAR = { 1: '[AQgw]', 2: '[AEIMQUYcgkosw048]' } as const;

/**
 * Canonical base64url without padding, of any length: whole groups of 4 characters, then
 * nothing, 2 characters (1 byte) or 3 characters (2 bytes) whose last one has its padding bits zero.
 */
const BASE64URL_PATTERN = `^(?:${ANY_CHAR}{4})*(?:${ANY_CHAR}${LAST_CHAR[1]}|${ANY_CHAR}{2}${LAST_CHAR[2]})?$`;

/** The length of `n` bytes in base64url without padding. */
function base64urlLength(bytes: number): number {
  return Math.ceil((bytes * 4) / 3);
}

/** The pattern of canonical base64url of exactly `bytes` bytes. */
function base64urlPattern(bytes: number): string {
  const rest = bytes % 3;
  if (rest === 0) return `^${ANY_CHAR}{${base64urlLength(bytes)}}$`;
  return `^${ANY_CHAR}{${base64urlLength(bytes) - 1}}${LAST_CHAR[rest as 1 | 2]}$`;
}

export type { ArraySchema, BooleanSchema, Infer, IntegerSchema, ObjectSchema, Schema, StringSchema };
export { BASE64URL_PATTERN, base64urlLength, base64urlPattern, fieldsOf, patternOf };
