/**
 * What the services work with: the store, the node queues, the signing key, pricing and limits,
 * each through its port. The handlers build it once per container from the environment
 * (handlers/control-plane-from-env.ts); a test may build it with a part replaced.
 */

import type { KeyDirectory } from '@b3iq/protocol';
import type { Customer } from '../domain/account.js';
import type { JobWindows } from '../domain/job-lifecycle.js';
import type { StoredNode } from '../domain/node.js';
import type { PricingPolicy } from '../domain/pricing.js';
import type { CustomerRateLimiter } from '../domain/rate-limit.js';
import type { NodeSightings } from './node-sightings.js';
import type { AdminCredential, NodeQueues, RecordSigner } from './ports/outside.js';
import type { ControlPlaneStore } from './ports/store.js';
import type { FreshFor } from './submit-cache.js';
import type { TokenUses } from './token-uses.js';

interface ControlPlane {
  readonly store: ControlPlaneStore;
  readonly queues: NodeQueues;
  readonly signer: RecordSigner;
  readonly adminAuth: AdminCredential;
  readonly pricing: PricingPolicy;
  readonly jobWindows: JobWindows;
  readonly rateLimiter: CustomerRateLimiter;
  /** Failed credential checks, per source address: past it, a failed check answers 429 instead of 401. */
  readonly failedCredentialsLimiter: CustomerRateLimiter;
  /** What submit may take from memory, inside the contract's 2-second bound (submit-cache.ts); no other path uses it. */
  readonly submitCache: { readonly customers: FreshFor<Customer>; readonly nodes: FreshFor<StoredNode> };
  /** Records customer tokens' `last_used_at`, a few minutes apart at most (token-uses.ts); a no-op where the function may not write. */
  readonly tokenUses: TokenUses;
  /** Records nodes' `last_seen_at`, a minute apart at most (node-sightings.ts); a no-op outside the node API. */
  readonly nodeSightings: NodeSightings;
  keyDirectory(): Promise<KeyDirectory>;
  now(): Date;
}

export type { ControlPlane };
