/**
 * Customer tokens in DynamoDB: the hashes on the account item (the one item a customer request
 * reads to authenticate) and a listing entry per token in the customer's token partition. A
 * change is one transaction: the account's `tokens` and `token_sequence` (conditioned on the
 * sequence as read) and each entry it writes. An entry is written field by field, so that a
 * recorded use already on it is kept.
 */
import { ConditionalCheckFailedException, type TransactWriteItem, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { CustomerToken } from '../../domain/customer-tokens.js';
import type { CustomerTokenStore } from '../../services/ports/customer-tokens.js';
import { customerFromItem, tokenHashesToAttribute, tokenSequenceOf } from './account-items.js';
import { n, readS, s } from './attributes.js';
import { listedTokenFromItem } from './customer-token-items.js';
import { keys } from './items.js';
import { getItem, type Table, wholePartition } from './table.js';
import { transactWrite } from './transactions.js';

/** Writes the entry's name and creation unless already there, and its revocation if it has one. */
function entryWrite(table: Table, customerId: string, entry: CustomerToken): TransactWriteItem {
  const revoked = entry.revoked_at === null ? '' : ', revoked_at = :revoked';
  return {
    Update: {
      TableName: table.name,
      Key: keys.customerToken(customerId, entry.token_id),
      UpdateExpression:
        'SET entity = :entity, customer_id = :customer, token_id = :token, #name = if_not_exists(#name, :name), ' +
        `created_at = if_not_exists(created_at, :created)${revoked}`,
      ExpressionAttributeNames: { '#name': 'name' },
      ExpressionAttributeValues: {
        ':entity': s('customer_token'),
        ':customer': s(customerId),
        ':token': s(entry.token_id),
        ':name': s(entry.name),
        ':created': s(entry.created_at),
        ...(entry.revoked_at === null ? {} : { ':revoked': s(entry.revoked_at) }),
      },
    },
  };
}

function customerTokenStore(table: Table): CustomerTokenStore {
  return {
    async readTokens(customerId) {
      // The account first: entries read after it are at least as new, and a change planned on an
      // older account is refused by its sequence.
      const account = await getItem(table, keys.account(customerId));
      if (account === undefined) return undefined;
      const entries = await wholePartition(table, keys.customerTokenPartition(customerId));
      return {
        customer: customerFromItem(account),
        tokenSequence: tokenSequenceOf(account),
        customerCreatedAt: readS(account, 'created_at'),
        listed: entries.map(listedTokenFromItem),
      };
    },

    async writeTokens(change) {
      const outcome = await transactWrite(table.client, [
        {
          name: 'account',
          write: {
            Update: {
              TableName: table.name,
              Key: keys.account(change.customerId),
              UpdateExpression: 'SET tokens = :tokens, token_sequence = :next REMOVE token_hash',
              ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(token_sequence) OR token_sequence = :read)',
              ExpressionAttributeValues: {
                ':tokens': tokenHashesToAttribute(change.tokens),
                ':read': n(change.tokenSequence),
                ':next': n(change.tokenSequence + 1),
              },
            },
          },
        },
        ...change.entries.map((entry) => ({ name: 'entry' as const, write: entryWrite(table, change.customerId, entry) })),
      ]);
      return outcome.type === 'committed' ? 'written' : 'conflict';
    },

    async recordTokenUse(customerId, tokenId, at) {
      try {
        await table.client.send(
          new UpdateItemCommand({
            TableName: table.name,
            Key: keys.customerToken(customerId, tokenId),
            UpdateExpression: 'SET entity = :entity, customer_id = :customer, token_id = :token, last_used_at = :at',
            ConditionExpression: 'attribute_not_exists(last_used_at) OR attribute_type(last_used_at, :null) OR last_used_at < :at',
            ExpressionAttributeValues: {
              ':entity': s('customer_token'),
              ':customer': s(customerId),
              ':token': s(tokenId),
              ':at': s(at),
              ':null': s('NULL'),
            },
          }),
        );
      } catch (error) {
        // A later use is already recorded.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },
  };
}

export { customerTokenStore };
