/** The price quote for one job: what is reserved, what the node is paid, what the protocol keeps. */

interface PricingPolicy {
  /** Names the policy in force, e.g. `flat-v1`. */
  policyVersion: string;
  /** Protocol fee in basis points, 0..9999. */
  protocolFeeBps: number;
}

interface Quote {
  policy_version: string;
  quoted_price_wei: bigint;
  reserved_price_wei: bigint;
  payout_price_wei: bigint;
}

function assertPricingPolicy(policy: PricingPolicy): PricingPolicy {
  if (!Number.isInteger(policy.protocolFeeBps) || policy.protocolFeeBps < 0 || policy.protocolFeeBps > 9999) {
    throw new RangeError('protocolFeeBps must be an integer in 0..9999');
  }
  if (policy.policyVersion.length === 0) throw new RangeError('policyVersion must not be empty');
  return policy;
}

/** Flat pricing: the node's price for the model; payout = quoted − floor(quoted × fee / 10000). */
function quotePrice(nodePriceWei: bigint, policy: PricingPolicy): Quote {
  const fee = (nodePriceWei * BigInt(policy.protocolFeeBps)) / 10_000n;
  return {
    policy_version: policy.policyVersion,
    quoted_price_wei: nodePriceWei,
    reserved_price_wei: nodePriceWei,
    payout_price_wei: nodePriceWei - fee,
  };
}

export type { PricingPolicy, Quote };
export { assertPricingPolicy, quotePrice };
