/** Enrolled nodes and the nonces of their signed requests in DynamoDB. */
import type { NodeStore } from '../../services/ports/nodes.js';
import { n } from './attributes.js';
import { keys } from './items.js';
import { nodeFromItem, nodeToItem, nonceToItem } from './node-items.js';
import { getItem, putIf, type Table } from './table.js';
import { isNew } from './transactions.js';

function nodeStore(table: Table): NodeStore {
  return {
    async getNode(nodeId) {
      const item = await getItem(table, keys.node(nodeId));
      return item === undefined ? undefined : nodeFromItem(item);
    },

    putNode: (stored, expectedRevision) =>
      putIf(
        table,
        nodeToItem(stored),
        expectedRevision === undefined
          ? isNew
          : {
              ConditionExpression: '#revision = :expected',
              ExpressionAttributeNames: { '#revision': 'revision' },
              ExpressionAttributeValues: { ':expected': n(expectedRevision) },
            },
      ),

    rememberNonce: (nodeId, nonce, expiresAt) => putIf(table, nonceToItem(nodeId, nonce, expiresAt)),
  };
}

export { nodeStore };
