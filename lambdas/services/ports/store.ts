/**
 * The control plane's store, as the use cases see it: one port per aggregate (accounts, customer tokens, jobs,
 * nodes, earnings, the open-jobs index) and the one read a customer request starts with. The
 * DynamoDB adapter (`adapters/dynamodb/`) implements it; tests may wrap it to inject a fault.
 */
import type { Customer } from '../../domain/account.js';
import type { Job } from '../../domain/job.js';
import type { StoredNode } from '../../domain/node.js';
import type { AccountStore } from './accounts.js';
import type { CustomerTokenStore } from './customer-tokens.js';
import type { EarningsStore } from './earnings.js';
import type { JobStore } from './jobs.js';
import type { Listings } from './listings.js';
import type { NodeStore } from './nodes.js';
import type { OpenJobsIndex } from './open-jobs.js';
import type { WebhookStore } from './webhooks.js';

/** What one consistent read found: the account, and the node and job the request names. */
interface Snapshot {
  customer?: Customer;
  node?: StoredNode;
  job?: Job;
}

interface ControlPlaneStore
  extends AccountStore,
    CustomerTokenStore,
    JobStore,
    NodeStore,
    EarningsStore,
    OpenJobsIndex,
    WebhookStore,
    Listings {
  /**
   * One consistent read of what a customer request needs: the account (unless `withCustomer` is
   * `false`), and the node and job it names.
   */
  read(ids: { customerId: string; withCustomer?: boolean; nodeId?: string; jobId?: string }): Promise<Snapshot>;
}

export type { ControlPlaneStore, Snapshot };
