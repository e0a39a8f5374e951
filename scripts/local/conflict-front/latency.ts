/**
 * Added latency per DynamoDB operation, so that local transactions overlap as they do on AWS.
 *
 * The default figures are the published ones measured from Lambda (alexdebrie/dynamodb-performance-testing,
 * boto3, 400 calls per configuration; `../shared/reference/anchors.md` § 3.2). One log-normal cannot hold
 * them: a 5-item TransactWriteItems has p50 25.3 and p90 30.7 ms (a tight body) but p99 92.5 ms (a long
 * tail), and a log-normal through p50 and p99 would put p90 at 52 ms. So the model is piecewise
 * log-normal: ln(latency) is linear in the standard normal score z between the published percentiles
 * (z = 0 at p50, 1.2816 at p90, 1.6449 at p95, 2.3263 at p99), extended beyond them with the slope of the
 * nearest segment, and capped at the published maximum. It passes exactly through every published
 * percentile; with only p50 and p99 it is the log-normal fitted to them.
 */

/** Published percentiles of one operation, in milliseconds (p50 and p99 at least). */
interface Percentiles {
  p50: number;
  p90?: number;
  p95?: number;
  p99: number;
  max?: number;
}

/** Percentiles of a transaction of `items` items; between two sizes the figures are interpolated. */
interface TransactionPercentiles {
  items: number;
  percentiles: Percentiles;
}

/** Latency figures by kind of operation. Control-plane operations (DescribeTable, CreateTable...) get none. */
interface LatencyProfile {
  /** Single-item reads and writes, Query, Scan, ExecuteStatement. */
  item: Percentiles;
  /** BatchGetItem, BatchWriteItem. */
  batch: Percentiles;
  /** TransactWriteItems and TransactGetItems, by number of items, ascending. */
  transaction: readonly TransactionPercentiles[];
}

type LatencySetting = 'aws' | 'none' | LatencyProfile;

/** Draws the added latency (ms) of one call of `operation` on `items` items. */
type LatencySampler = (operation: string, items: number) => number;

const AWS_PROFILE: LatencyProfile = {
  item: { p50: 7.55, p90: 11.3, p95: 13.2, p99: 16.2, max: 29 }, // PutItem
  batch: { p50: 8.14, p90: 13.3, p95: 15.4, p99: 25.5, max: 56.8 }, // BatchWriteItem of 5
  transaction: [
    { items: 5, percentiles: { p50: 25.3, p90: 30.7, p95: 36.4, p99: 92.5, max: 218 } },
    { items: 25, percentiles: { p50: 32.1, p90: 40.5, p95: 47.2, p99: 97.5, max: 258 } },
  ],
};

const ITEM_OPERATIONS = new Set(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'ExecuteStatement']);
const BATCH_OPERATIONS = new Set(['BatchGetItem', 'BatchWriteItem', 'BatchExecuteStatement']);
const TRANSACTION_OPERATIONS = new Set(['TransactWriteItems', 'TransactGetItems', 'ExecuteTransaction']);

/** Standard normal scores of the published percentiles. */
const Z = { p50: 0, p90: 1.2816, p95: 1.6449, p99: 2.3263 } as const;

/** The latency (ms) at standard normal score `z` of the piecewise log-normal through `percentiles`. */
function latencyAt(percentiles: Percentiles, z: number): number {
  const knots = (['p50', 'p90', 'p95', 'p99'] as const)
    .filter((name) => percentiles[name] !== undefined)
    .map((name) => ({ z: Z[name], log: Math.log(percentiles[name] as number) }));
  const next = knots.findIndex((knot) => knot.z > z);
  const segment = next === -1 ? knots.length - 2 : Math.max(0, next - 1);
  const from = knots[segment] as (typeof knots)[number];
  const to = knots[segment + 1] as (typeof knots)[number];
  const log = from.log + ((to.log - from.log) * (z - from.z)) / (to.z - from.z);
  return Math.min(Math.exp(log), percentiles.max ?? Number.POSITIVE_INFINITY);
}

/** The latency at `z` of a transaction of `items` items, interpolated between the published sizes. */
function transactionLatencyAt(sizes: readonly TransactionPercentiles[], items: number, z: number): number {
  const above = sizes.findIndex((size) => size.items >= items);
  if (above === 0) return latencyAt((sizes[0] as TransactionPercentiles).percentiles, z);
  if (above === -1) return latencyAt((sizes[sizes.length - 1] as TransactionPercentiles).percentiles, z);
  const lower = sizes[above - 1] as TransactionPercentiles;
  const upper = sizes[above] as TransactionPercentiles;
  const weight = (items - lower.items) / (upper.items - lower.items);
  return (1 - weight) * latencyAt(lower.percentiles, z) + weight * latencyAt(upper.percentiles, z);
}

/** The latency at `z` of one call, by the profile; 0 for an operation it has no figures for. */
function operationLatencyAt(profile: LatencyProfile, operation: string, items: number, z: number): number {
  if (ITEM_OPERATIONS.has(operation)) return latencyAt(profile.item, z);
  if (BATCH_OPERATIONS.has(operation)) return latencyAt(profile.batch, z);
  if (TRANSACTION_OPERATIONS.has(operation) && profile.transaction.length > 0) return transactionLatencyAt(profile.transaction, items, z);
  return 0;
}

/** mulberry32: a small seedable generator of uniform numbers in [0, 1); good enough for latency noise. */
function uniformSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal scores from a uniform source (Box-Muller). */
function normalSource(uniform: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** A sampler for the setting; the same seed draws the same latencies in the same order. */
function latencySampler(setting: LatencySetting, seed = Math.floor(Math.random() * 2 ** 32)): LatencySampler {
  if (setting === 'none') return () => 0;
  const profile = setting === 'aws' ? AWS_PROFILE : setting;
  const normal = normalSource(uniformSource(seed));
  return (operation, items) => operationLatencyAt(profile, operation, items, normal());
}

export type { LatencyProfile, LatencySampler, LatencySetting, Percentiles, TransactionPercentiles };
export { AWS_PROFILE, latencyAt, latencySampler, operationLatencyAt };
