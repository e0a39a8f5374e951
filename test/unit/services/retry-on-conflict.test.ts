import { beforeEach, describe, expect, it, vi } from 'vitest';
import { recordReservationConflict } from '../../../lambdas/observability/metrics.js';
import { deadlineFor, withDeadline } from '../../../lambdas/services/request-deadline.js';
import { done, MAX_ATTEMPTS, RETRY, retryOnConflict } from '../../../lambdas/services/retry-on-conflict.js';

vi.mock('../../../lambdas/observability/metrics.js', () => ({ recordReservationConflict: vi.fn() }));

/** The code of the Problem `promise` rejects with. */
async function expectProblem(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

beforeEach(() => {
  vi.mocked(recordReservationConflict).mockClear();
});

describe('retryOnConflict', () => {
  it('answers the first attempt that is done, after the ones that lost a race', async () => {
    const attempts: number[] = [];
    const value = await retryOnConflict(async (number) => {
      attempts.push(number);
      return number < 3 ? RETRY.now : done(`done at ${number}`);
    });
    expect(value).toBe('done at 3');
    expect(attempts).toEqual([1, 2, 3]);
  });

  it(`answers 429 rate_limited after ${MAX_ATTEMPTS} attempts`, async () => {
    let count = 0;
    const retried = retryOnConflict(async () => {
      count += 1;
      return RETRY.now;
    });
    await expectProblem(retried, 'rate_limited');
    expect(count).toBe(MAX_ATTEMPTS);
  });

  it('counts each lost account race once in the metric, and no other retry', async () => {
    const plan = [RETRY.afterAccountConflict, RETRY.now, RETRY.afterAccountConflict, RETRY.now];
    await retryOnConflict(async (number) => plan[number - 1] ?? done(undefined));
    expect(recordReservationConflict).toHaveBeenCalledTimes(2);
  });

  it('stops at its deadline: the first attempt always runs, none starts after stopBy', async () => {
    let clock = 1_000;
    let count = 0;
    const retried = retryOnConflict(
      async () => {
        count += 1;
        clock += 10;
        return RETRY.now;
      },
      { stopBy: 1_025, now: () => clock },
    );
    await expectProblem(retried, 'rate_limited');
    expect(count).toBe(3);
  });

  it('reads a deadline given as a function before each attempt', async () => {
    let count = 0;
    const stopBy = vi.fn(() => (count >= 2 ? 0 : Number.POSITIVE_INFINITY));
    await expectProblem(
      retryOnConflict(
        async () => {
          count += 1;
          return RETRY.now;
        },
        { stopBy },
      ),
      'rate_limited',
    );
    expect(count).toBe(2);
  });

  it("stops at the request's deadline when none is given, with a 429 that asks to retry after a second", async () => {
    let clock = 50_000;
    let count = 0;
    const deadline = { stopBy: 50_030, settleBy: 51_000 };
    const retried = withDeadline(deadline, () =>
      retryOnConflict(
        async () => {
          count += 1;
          clock += 10;
          return RETRY.now;
        },
        { now: () => clock },
      ),
    );
    await expect(retried).rejects.toMatchObject({ code: 'rate_limited', status: 429, retryAfterSeconds: 1 });
    expect(count).toBe(3);
  });

  it('sets the deadline a margin before the function times out, and settles unknown outcomes inside that margin', () => {
    const { stopBy, settleBy } = deadlineFor(10_000, 1_000);
    expect(stopBy).toBeLessThanOrEqual(1_000 + 10_000 - 2_000);
    expect(settleBy).toBeGreaterThan(stopBy);
    expect(settleBy).toBeLessThan(11_000);
  });
});
