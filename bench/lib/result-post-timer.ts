/**
 * Times a node's settlement call from the outside: a `fetch` for the reference agent (NodeAgent
 * takes one) that measures each `POST …/commands/{id}/result` from the request to the response's
 * headers (the node-api Lambda has settled by then), and passes everything else through untouched.
 */
import { since } from './stats.js';

interface ResultPostTimer {
  fetch: typeof fetch;
  /** The result POSTs timed since the last call (milliseconds, one an attempt), waiting for at least one. */
  take(): Promise<number[]>;
}

const RESULT_PATH = /\/commands\/[^/]+\/result$/;

function urlOf(input: Parameters<typeof fetch>[0]): string {
  if (typeof input === 'string') return input;
  return input instanceof URL ? input.href : input.url;
}

function resultPostTimer(inner: typeof fetch = fetch): ResultPostTimer {
  let samples: number[] = [];
  const waiters: (() => void)[] = [];
  const timed: typeof fetch = async (input, init) => {
    if (init?.method !== 'POST' || !RESULT_PATH.test(new URL(urlOf(input)).pathname)) return inner(input, init);
    const start = performance.now();
    try {
      return await inner(input, init);
    } finally {
      samples.push(since(start));
      for (const wake of waiters.splice(0)) wake();
    }
  };
  const take = async () => {
    while (samples.length === 0) await new Promise<void>((resolve) => waiters.push(resolve));
    const taken = samples;
    samples = [];
    return taken;
  };
  return {
    fetch: timed,
    take,
  };
}

export type { ResultPostTimer };
export { resultPostTimer };
