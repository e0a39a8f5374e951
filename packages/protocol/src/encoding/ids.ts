/** Identifier rules of the HTTP contract. Ids the server makes match the same patterns. */
import { ID_SCHEMAS } from '../schemas/fields.js';
import { patternOf } from '../schemas/schema.js';

/** Compiled from the declarations the OpenAPI document also shows. */
const ID_PATTERNS = Object.fromEntries(Object.entries(ID_SCHEMAS).map(([kind, schema]) => [kind, patternOf(schema)])) as {
  readonly [K in keyof typeof ID_SCHEMAS]: RegExp;
};

type IdKind = keyof typeof ID_PATTERNS;

function isId(kind: IdKind, value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERNS[kind].test(value);
}

export type { IdKind };
export { ID_PATTERNS, isId };
