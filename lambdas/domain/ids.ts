/** Identifier rules of the HTTP contract. Ids the server makes match the same patterns. */
import { Problem } from './problems.js';

const ID_PATTERNS = {
  /** Names an SQS queue, hence the narrower alphabet and length. */
  node_id: /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/,
  customer_id: /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/,
  job_id: /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/,
  credit_id: /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/,
  key_id: /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/,
  model_id: /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/,
} as const;

type IdKind = keyof typeof ID_PATTERNS;

function isId(kind: IdKind, value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERNS[kind].test(value);
}

/** 400 `invalid_request` naming the field and its pattern. */
function invalidId(kind: IdKind, field: string = kind): Problem {
  return new Problem('invalid_request', `"${field}" must match ${ID_PATTERNS[kind].source}`);
}

export { ID_PATTERNS, invalidId, isId };
export type { IdKind };
