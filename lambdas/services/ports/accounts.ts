/**
 * The port to customers' accounts: identities, credits, the reservation buckets that hold the
 * money (domain/escrow.ts) and the ledger with its checkpoints. What the use cases ask of storage.
 */
import type { Credit, Customer, LedgerEntry } from '../../domain/account.js';
import type { CustomerToken } from '../../domain/customer-tokens.js';
import type { Bucket, CreditShare, RefillPlan } from '../../domain/escrow.js';
import type { LedgerCheckpoint } from '../../domain/ledger-totals.js';

/** The account and every bucket, read at one instant. */
interface AccountSnapshot {
  customer: Customer;
  /** How many credits the account has taken: a credit is written only if it is still this. */
  creditSequence: number;
  /** All RESERVATION_BUCKETS buckets, in index order (absent ones hold zero). */
  buckets: Bucket[];
}

type AccountRead =
  | { type: 'found'; account: AccountSnapshot }
  | { type: 'not_found' }
  /** A write in flight on one of the items cancelled the read: read again. */
  | { type: 'conflict' };

interface NewCredit {
  credit: Credit;
  entry: LedgerEntry;
  shares: CreditShare[];
  /** The account's credit sequence as read. */
  creditSequence: number;
  createdAt: string;
}

type CreditOutcome =
  | { type: 'credited' }
  | { type: 'credit_exists'; credit: Credit }
  /** Another credit came first, or a write in flight on the same items: read again and retry. */
  | { type: 'conflict' };

type RefillOutcome =
  | { type: 'refilled' }
  /** A donor no longer had what the plan takes from it: the bucket as it stood. */
  | { type: 'donor_short'; bucket: Bucket }
  | { type: 'conflict' };

interface AccountStore {
  getCustomer(customerId: string): Promise<Customer | undefined>;
  /**
   * Creates a customer with an empty account (no bucket holds anything yet) and the listing entry
   * of its first token (whose hash `customer.tokens` holds); `false` when the id is taken.
   */
  createCustomer(customer: Customer, firstToken: CustomerToken, createdAt: string): Promise<boolean>;
  findCredit(creditId: string): Promise<Credit | undefined>;
  /**
   * Records the credit id, spreads the credit over the buckets as `shares` say and appends its
   * `credit` ledger row, all or nothing, only if no other credit was applied since the read.
   */
  applyCredit(credit: NewCredit): Promise<CreditOutcome>;
  /** The account with all its buckets, one consistent snapshot (a transactional read). */
  readAccount(customerId: string): Promise<AccountRead>;
  /** All the customer's buckets in one consistent query (each bucket as committed; not one snapshot across a refill). */
  customerBuckets(customerId: string): Promise<Bucket[]>;
  /** Moves available money between the customer's buckets as `plan` says, all or nothing. */
  refillBucket(customerId: string, plan: RefillPlan): Promise<RefillOutcome>;
  /** The customer's ledger, newest first, optionally only rows created at or after `since`. */
  ledger(customerId: string, limit: number, since?: string): Promise<LedgerEntry[]>;
  /** Every row of the customer's ledger created at or after `since`, newest first, one page of the table at a time. */
  ledgerPagesSince(customerId: string, since: string): AsyncIterable<LedgerEntry[]>;
  /** Every entry strictly between two ledger positions (from the first entry when `after` is absent), oldest first, up to `limit`. */
  ledgerBetween(
    customerId: string,
    range: { after?: string | undefined; before?: string | undefined; limit: number },
  ): Promise<LedgerEntry[]>;
  /** The newest ledger checkpoint before `before` (a ledger position), or the newest of all. */
  latestCheckpoint(customerId: string, before?: string): Promise<LedgerCheckpoint | undefined>;
  /** Writes a checkpoint if none is at its position yet (a second writer of the same one changes nothing). */
  putCheckpoint(checkpoint: LedgerCheckpoint): Promise<void>;
}

export type { AccountRead, AccountSnapshot, AccountStore, CreditOutcome, NewCredit, RefillOutcome };
