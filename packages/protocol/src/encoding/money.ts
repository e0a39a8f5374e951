/**
 * wei amounts: decimal strings on the wire, `bigint` in code, DynamoDB numbers in storage.
 * At most 38 digits, which a DynamoDB number holds exactly.
 */
import { WEI } from '../schemas/fields.js';
import { patternOf } from '../schemas/schema.js';

const WEI_PATTERN = patternOf(WEI);
const MAX_WEI = 10n ** 38n - 1n;
/** How many jobs at the highest price a node's earnings hold before they would pass 38 digits. */
const JOBS_WITHIN_EARNINGS = 10n ** 12n;
/**
 * The highest price a node may ask per job: 26 digits. A node's earnings are one running sum of its
 * payouts (one DynamoDB number), so a price near 38 digits would overflow it on the second job and
 * settlement would fail; at this bound a trillion jobs at the highest price still fit.
 */
const MAX_PRICE_WEI = (MAX_WEI + 1n) / JOBS_WITHIN_EARNINGS - 1n;

/** Parses a wei decimal string; `undefined` when it breaks the contract's pattern. */
function parseWei(value: unknown): bigint | undefined {
  return typeof value === 'string' && WEI_PATTERN.test(value) ? BigInt(value) : undefined;
}

function formatWei(amount: bigint): string {
  if (amount < 0n || amount > MAX_WEI) throw new RangeError('wei amount out of range');
  return amount.toString(10);
}

export { formatWei, JOBS_WITHIN_EARNINGS, MAX_PRICE_WEI, MAX_WEI, parseWei };
