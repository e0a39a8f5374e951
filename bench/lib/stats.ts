/** Small statistics for the bench: nearest-rank percentiles over millisecond samples. */

interface LatencySummary {
  n: number;
  mean_ms: number;
  p50_ms: number;
  p99_ms: number;
  min_ms: number;
  max_ms: number;
}

const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile of an ascending array (p in 0..100). */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function summarize(samplesMs: number[]): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
  return {
    n: sorted.length,
    mean_ms: round(mean),
    p50_ms: round(percentile(sorted, 50)),
    p99_ms: round(percentile(sorted, 99)),
    min_ms: round(sorted[0] ?? Number.NaN),
    max_ms: round(sorted.at(-1) ?? Number.NaN),
  };
}

/** Milliseconds since `start` (from `performance.now()`). */
const since = (start: number): number => performance.now() - start;

export type { LatencySummary };
export { median, percentile, round, since, summarize };
