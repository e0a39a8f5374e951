/**
 * wei amounts: decimal strings on the wire, `bigint` in code, DynamoDB numbers in storage.
 * At most 38 digits, which a DynamoDB number holds exactly.
 */

const WEI_PATTERN = /^(0|[1-9][0-9]{0,37})$/;
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
