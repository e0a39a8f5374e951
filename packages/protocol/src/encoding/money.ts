/**
 * wei amounts: decimal strings on the wire, `bigint` in code, DynamoDB numbers in storage.
 * At most 38 digits, which a DynamoDB number holds exactly.
 */
import { WEI } from '../schemas/fields.js';
import { patternOf } from '../schemas/schema.js';

const WEI_PATTERN = patternOf(WEI);
const MAX_WEI = 10n ** 38n - 1n;

/** Parses a wei decimal string; `undefined` when it breaks the contract's pattern. */
function parseWei(value: unknown): bigint | undefined {
  return typeof value === 'string' && WEI_PATTERN.test(value) ? BigInt(value) : undefined;
}

function formatWei(amount: bigint): string {
  if (amount < 0n || amount > MAX_WEI) throw new RangeError('wei amount out of range');
  return amount.toString(10);
}

export { formatWei, MAX_WEI, parseWei };
