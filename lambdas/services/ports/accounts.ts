/** The port to customers' accounts, credits and ledgers: what the use cases ask of storage. */
import type { AccountChange, Credit, Customer, LedgerEntry } from '../../domain/account.js';

/** A balance change, written only if the account is still at `expectedVersion` (the version read). */
interface CustomerChange {
  change: AccountChange;
  expectedVersion: number;
}

type CreditOutcome =
  | { type: 'credited' }
  | { type: 'credit_exists'; credit: Credit }
  /** Another writer changed the account first: the account as it now stands, if the store has it at hand. */
  | { type: 'account_changed'; customer: Customer | undefined };

interface AccountStore {
  getCustomer(customerId: string): Promise<Customer | undefined>;
  /** Creates a customer with an empty account; `false` when the id is taken. */
  createCustomer(customer: Customer, createdAt: string): Promise<boolean>;
  findCredit(creditId: string): Promise<Credit | undefined>;
  /** Records the credit id and adds the credit to the balance with its `credit` ledger row, all or nothing. */
  applyCredit(credit: Credit, change: AccountChange, expectedVersion: number, createdAt: string): Promise<CreditOutcome>;
  /** The customer's ledger, newest first, optionally only rows created at or after `since`. */
  ledger(customerId: string, limit: number, since?: string): Promise<LedgerEntry[]>;
}

export type { AccountStore, CreditOutcome, CustomerChange };
