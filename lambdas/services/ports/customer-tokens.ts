/**
 * The port to a customer's tokens (domain/customer-tokens.ts): the hashes on the customer, which
 * authenticate, and each token's listing entry. A change writes both at once.
 */
import type { CustomerToken, StoredTokens, TokenChange } from '../../domain/customer-tokens.js';

interface CustomerTokenStore {
  /** The customer with its hashes, the sequence of its token changes and every listing entry; `undefined` for an unknown customer. */
  readTokens(customerId: string): Promise<StoredTokens | undefined>;
  /**
   * Sets the customer's hashes to `change.tokens` and writes (or completes) its entries, all or
   * nothing, only if the customer's tokens did not change since `change.tokenSequence` was read:
   * `conflict` otherwise (read again).
   */
  writeTokens(change: TokenChange): Promise<'written' | 'conflict'>;
  /** Records a use of the token at `at` unless a later one is recorded; best effort, for the listing only. */
  recordTokenUse(customerId: string, tokenId: string, at: string): Promise<void>;
}

export type { CustomerToken, CustomerTokenStore };
