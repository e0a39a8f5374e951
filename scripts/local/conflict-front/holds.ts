/**
 * The items held by the TransactWriteItems in flight. DynamoDB's rules (Developer Guide, "Transaction
 * conflict handling"): a transaction whose items overlap those of another transaction in flight is
 * cancelled with `TransactionConflict` on the shared items; a single-item write to a held item fails
 * with `TransactionConflictException`. Single writes hold nothing: they serialize with each other and
 * a transaction does not conflict with them.
 */
import type { ItemId } from './items.js';

class Holds {
  private readonly held = new Set<string>();
  private readonly tokens = new Set<string>();

  /** For each item of a transaction, in order: whether another transaction in flight holds it. */
  conflicts(items: readonly ItemId[]): boolean[] {
    return items.map((item) => item !== undefined && this.held.has(item));
  }

  isHeld(item: ItemId): boolean {
    return item !== undefined && this.held.has(item);
  }

  /** Whether a transaction with this `ClientRequestToken` is in flight. */
  isTokenInFlight(token: string | undefined): boolean {
    return token !== undefined && this.tokens.has(token);
  }

  /** Holds the items (and the token) of a transaction that conflicts with none; returns the release. */
  hold(items: readonly ItemId[], token: string | undefined): () => void {
    const own = [...new Set(items.filter((item): item is string => item !== undefined))];
    if (own.some((item) => this.held.has(item))) throw new Error('a transaction cannot hold an item that is held');
    for (const item of own) this.held.add(item);
    if (token !== undefined) this.tokens.add(token);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const item of own) this.held.delete(item);
      if (token !== undefined) this.tokens.delete(token);
    };
  }

  get heldItems(): number {
    return this.held.size;
  }
}

export { Holds };
