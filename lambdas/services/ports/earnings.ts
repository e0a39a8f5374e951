/** The port to nodes' earnings, their ledgers, and published receipts; and the settlement that writes them. */

import type { Envelope } from '@b3iq/protocol';
import type { LedgerEntry } from '../../domain/account.js';
import type { Job } from '../../domain/job.js';
import type { NodeEarnings, NodeLedgerEntry } from '../../domain/node-earnings.js';
import type { CloseOutcome } from './jobs.js';

/** A receipt as published: its exact text, signature and the job it settled (no customer). */
interface StoredReceipt {
  receipt_hash: string;
  job_id: string;
  node_id: string;
  model_id: string;
  status: 'accepted';
  received_at: string;
  signature_ed25519: string;
  receipt_text: string;
}

interface Settlement {
  job: Job;
  /** The `debit` ledger row. */
  entry: LedgerEntry;
  earnings: { next: NodeEarnings; entries: NodeLedgerEntry[]; expectedVersion: number };
  encryptedResponse: Envelope;
  /** When the response envelope is purged (epoch seconds). */
  responsePurgeAt: number;
  receipt: StoredReceipt;
  settledAt: string;
  /** A node's result: settle only while this is still the command's newest lease. */
  leaseId?: string;
}

interface EarningsStore {
  /** A node's earnings; zero earnings at version 0 before its first payout. */
  getEarnings(nodeId: string): Promise<NodeEarnings>;
  /** A node's payout and protocol-fee rows, newest first. */
  nodeLedger(nodeId: string, limit: number): Promise<NodeLedgerEntry[]>;
  getReceipt(receiptHash: string): Promise<StoredReceipt | undefined>;
  /**
   * Settles an answered job, all or nothing: the job completes with its answer and receipt, the
   * customer is debited (balance and reservation, in the job's bucket), the node's payout and the protocol fee are
   * added with their ledger rows, and the receipt is published. Only an open job settles.
   */
  settleJob(settlement: Settlement): Promise<CloseOutcome>;
}

export type { EarningsStore, Settlement, StoredReceipt };
