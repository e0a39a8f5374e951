/** The bench's timer of a node's result POSTs (bench/lib/result-post-timer.ts), around a stand-in fetch. */
import { describe, expect, it } from 'vitest';
import { resultPostTimer } from '../../../bench/lib/result-post-timer.js';

const API = 'http://127.0.0.1:4566/restapis/abc/perf/_user_request_';
const RESULT = `${API}/v1/nodes/node-a/commands/cmd-1/result`;

describe('resultPostTimer', () => {
  it('times POSTs to a command result and passes every call through unchanged', async () => {
    const seen: string[] = [];
    const answer = new Response('{}', { status: 200 });
    const timer = resultPostTimer(async (input, init) => {
      seen.push(`${init?.method} ${String(input)}`);
      return answer;
    });

    const answers = [
      await timer.fetch(`${API}/v1/nodes/node-a/commands/pull`, { method: 'POST' }),
      await timer.fetch(`${API}/v1/nodes/node-a/commands/cmd-1/lease`, { method: 'POST' }),
      await timer.fetch(RESULT, { method: 'GET' }),
      await timer.fetch(RESULT, { method: 'POST' }),
    ];
    const timed = await timer.take();

    expect(answers.every((value) => value === answer)).toBe(true);
    expect(seen).toHaveLength(4);
    expect(timed).toHaveLength(1);
    expect(timed[0]).toBeGreaterThanOrEqual(0);
  });

  it('waits for the next result POST when none is timed yet, and hands each sample out once', async () => {
    let release: (() => void) | undefined;
    const timer = resultPostTimer(
      () =>
        new Promise<Response>((resolve) => {
          release = () => resolve(new Response(null, { status: 500 }));
        }),
    );
    const posting = timer.fetch(new URL(RESULT), { method: 'POST' });
    let taken: number[] | undefined;
    const taking = timer.take().then((samples) => {
      taken = samples;
    });

    await Promise.resolve();
    expect(taken).toBeUndefined();
    release?.();
    await posting;
    await taking;

    expect(taken).toHaveLength(1);
    const posting2 = timer.fetch(RESULT, { method: 'POST' });
    let second: number[] | undefined;
    const taking2 = timer.take().then((samples) => {
      second = samples;
    });
    await Promise.resolve();
    expect(second).toBeUndefined();
    release?.();
    await posting2;
    await taking2;
    expect(second).toHaveLength(1);
  });
});
