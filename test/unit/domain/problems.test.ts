import { PROBLEM_CODES } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';
import { PROBLEMS, Problem, type ProblemCode } from '../../../lambdas/domain/problems.js';

describe('Problem', () => {
  it('gives every code clients know (the protocol list) a status and title, and no other code', () => {
    // Assess
    expect(Object.keys(PROBLEMS).sort()).toEqual([...PROBLEM_CODES].sort());
  });

  it.each(Object.entries(PROBLEMS).map(([code, { status, title }]) => ({ code: code as ProblemCode, status, title })))(
    'answers the B3IQ-native body with the status and title of its code ($code)',
    ({ code, status, title }) => {
      // Act
      const problem = new Problem(code, 'what went wrong');

      // Assess
      expect(problem.status).toBe(status);
      expect(problem.toBody()).toEqual({ error: { status, title, detail: 'what went wrong', code } });
    },
  );

  it('is an Error named Problem that keeps its cause out of the body (cause)', () => {
    // Prepare
    const cause = new Error('secret internals');

    // Act
    const problem = new Problem('rate_limited', 'retry shortly', { cause });

    // Assess
    expect(problem).toBeInstanceOf(Error);
    expect(problem.name).toBe('Problem');
    expect(problem.cause).toBe(cause);
    expect(JSON.stringify(problem.toBody())).not.toContain('secret internals');
  });

  it('keeps the statuses clients branch on (table)', () => {
    // The contract's table: a changed status is an API change.
    expect(
      Object.fromEntries(Object.entries(PROBLEMS).map(([code, { status }]) => [code, status])) as Record<ProblemCode, number>,
    ).toMatchObject({
      invalid_request: 400,
      unauthorized: 401,
      insufficient_balance: 402,
      job_not_found: 404,
      method_not_allowed: 405,
      job_id_conflict: 409,
      payload_too_large: 413,
      unsupported_media_type: 415,
      rate_limited: 429,
      internal_error: 500,
    });
  });
});
