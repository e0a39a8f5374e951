import { Problem } from '../../../lambdas/domain/problems.js';

/** The Problem that `action` throws; fails the test when it throws nothing or something else. */
function problemOf(action: () => unknown): Problem {
  try {
    action();
  } catch (error) {
    if (error instanceof Problem) return error;
    throw error;
  }
  throw new Error('expected a Problem, nothing was thrown');
}

export { problemOf };
