/**
 * The ports to what the control plane uses besides its store: each node's command queue, the
 * key that signs nodes' transport-key records, and the admin credential.
 */
import type { NodeCommand } from '@b3iq/protocol';

/** A command as pulled: its message body and the lease that holds it. */
interface LeasedCommand {
  body: string;
  leaseId: string;
  receiveCount: number;
}

/** Each enrolled node's own command queue, delivering at least once under a lease. */
interface NodeQueues {
  /** Creates the node's queue if it has none. */
  ensureQueue(nodeId: string): Promise<string>;
  /** Sends a job's command to its node's queue; `no_queue` when the node has none. */
  send(command: NodeCommand): Promise<'sent' | 'no_queue'>;
  receive(nodeId: string, options: { max: number; waitSeconds: number; leaseSeconds: number }): Promise<LeasedCommand[]>;
  /** Extends a lease by `seconds` (0 gives the command back); `false` when the lease has ended. */
  extendLease(nodeId: string, leaseId: string, seconds: number): Promise<boolean>;
  /** Deletes a leased command: it was handled. */
  finish(nodeId: string, leaseId: string): Promise<void>;
}

/** The key that signs nodes' transport-key records (at enrollment, never on the job path). */
interface RecordSigner {
  sign(record: string): Promise<string>;
  /** The public key as SPKI DER. */
  publicKey(): Promise<Uint8Array>;
}

/**
 * How admin callers are authenticated: by the admin token, whose hash is kept in Secrets Manager, or
 * by AWS IAM, which API Gateway checked (SigV4 and execute-api:Invoke) before the call arrived.
 */
type AdminCredential = AdminToken | { readonly kind: 'iam' };

/** Where the hash of the admin token is kept. */
interface AdminToken {
  readonly kind: 'token';
  tokenHash(now?: number): Promise<string>;
}

export type { AdminCredential, AdminToken, LeasedCommand, NodeQueues, RecordSigner };
