/** The server's answer to an id that breaks the contract's pattern (the patterns are the protocol's). */
import { ID_PATTERNS, type IdKind } from '@b3iq/protocol';
import { Problem } from './problems.js';

/** 400 `invalid_request` naming the field and its pattern. */
function invalidId(kind: IdKind, field: string = kind): Problem {
  return new Problem('invalid_request', `"${field}" must match ${ID_PATTERNS[kind].source}`);
}

export { invalidId };
