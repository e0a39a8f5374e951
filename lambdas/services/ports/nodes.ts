/** The port to enrolled nodes and the nonces of their signed requests. */
import type { StoredNode } from '../../domain/node.js';

interface NodeStore {
  getNode(nodeId: string): Promise<StoredNode | undefined>;
  /** Writes a node if its revision is still `expectedRevision` (absent: the node must be new); `false` if not. */
  putNode(stored: StoredNode, expectedRevision: number | undefined): Promise<boolean>;
  /** Remembers a node request's nonce until `expiresAt` (epoch seconds); `false` if it was seen. */
  rememberNonce(nodeId: string, nonce: string, expiresAt: number): Promise<boolean>;
}

export type { NodeStore };
