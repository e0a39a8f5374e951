/** The latency model of the conflict front: pure functions, sampled with a fixed seed. */
import { describe, expect, it } from 'vitest';
import { AWS_PROFILE, latencyAt, latencySampler, operationLatencyAt } from '../../../scripts/local/conflict-front/latency.js';

/** The q-quantile of `samples` (nearest rank). */
function quantile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

function draw(operation: string, items: number, count: number, seed = 7): number[] {
  const sample = latencySampler('aws', seed);
  return Array.from({ length: count }, () => sample(operation, items));
}

describe('conflict front latency model', () => {
  it('passes through every published percentile', () => {
    const put = AWS_PROFILE.item;

    expect(latencyAt(put, 0)).toBeCloseTo(7.55, 6);
    expect(latencyAt(put, 1.2816)).toBeCloseTo(11.3, 6);
    expect(latencyAt(put, 1.6449)).toBeCloseTo(13.2, 6);
    expect(latencyAt(put, 2.3263)).toBeCloseTo(16.2, 6);
    expect(latencyAt(put, 10)).toBe(29);
    expect(latencyAt(put, -1)).toBeLessThan(7.55);
  });

  it('is the log-normal through p50 and p99 when only those are given', () => {
    const sigma = Math.log(4) / 2.3263;

    expect(latencyAt({ p50: 10, p99: 40 }, 1)).toBeCloseTo(10 * Math.exp(sigma), 6);
    expect(latencyAt({ p50: 10, p99: 40 }, -1)).toBeCloseTo(10 * Math.exp(-sigma), 6);
  });

  it('draws PutItem at p50 ≈ 7.5 ms and p99 ≈ 16 ms (seeded)', () => {
    const samples = draw('PutItem', 1, 20_000);

    expect(quantile(samples, 0.5)).toBeGreaterThan(7.55 * 0.97);
    expect(quantile(samples, 0.5)).toBeLessThan(7.55 * 1.03);
    expect(quantile(samples, 0.99)).toBeGreaterThan(16.2 * 0.95);
    expect(quantile(samples, 0.99)).toBeLessThan(16.2 * 1.05);
  });

  it('draws a 5-item TransactWriteItems at p50 ≈ 25 ms, p95 ≈ 36 ms and p99 ≈ 92 ms (seeded)', () => {
    const samples = draw('TransactWriteItems', 5, 20_000);

    expect(quantile(samples, 0.5)).toBeGreaterThan(25.3 * 0.97);
    expect(quantile(samples, 0.5)).toBeLessThan(25.3 * 1.03);
    expect(quantile(samples, 0.95)).toBeGreaterThan(36.4 * 0.95);
    expect(quantile(samples, 0.95)).toBeLessThan(36.4 * 1.05);
    expect(quantile(samples, 0.99)).toBeGreaterThan(92.5 * 0.9);
    expect(quantile(samples, 0.99)).toBeLessThan(92.5 * 1.1);
    expect(Math.max(...samples)).toBeLessThanOrEqual(218);
  });

  it('repeats its draws for the same seed and changes them for another', () => {
    expect(draw('PutItem', 1, 5, 1)).toEqual(draw('PutItem', 1, 5, 1));
    expect(draw('PutItem', 1, 5, 1)).not.toEqual(draw('PutItem', 1, 5, 2));
  });

  it('interpolates transactions between the published sizes, and uses the nearest size outside them', () => {
    const at = (items: number) => operationLatencyAt(AWS_PROFILE, 'TransactWriteItems', items, 0);

    expect(at(2)).toBeCloseTo(25.3, 6);
    expect(at(15)).toBeCloseTo((25.3 + 32.1) / 2, 6);
    expect(at(100)).toBeCloseTo(32.1, 6);
  });

  it('adds nothing to control-plane operations, nor with the setting none', () => {
    expect(operationLatencyAt(AWS_PROFILE, 'DescribeTable', 1, 0)).toBe(0);
    expect(operationLatencyAt(AWS_PROFILE, 'CreateTable', 1, 3)).toBe(0);
    expect(operationLatencyAt(AWS_PROFILE, 'BatchWriteItem', 5, 0)).toBeCloseTo(8.14, 6);
    const none = latencySampler('none', 1);
    expect([none('PutItem', 1), none('TransactWriteItems', 5)]).toEqual([0, 0]);
  });
});
