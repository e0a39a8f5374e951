/** Item codec of a customer token's listing entry (layout in items.ts); the token's hash is on the account item. */
import type { CustomerToken, ListedToken } from '../../domain/customer-tokens.js';
import { type Item, nullableS, readNullableS, readS, s } from './attributes.js';
import { keys } from './items.js';

function customerTokenToItem(customerId: string, token: CustomerToken): Item {
  return {
    ...keys.customerToken(customerId, token.token_id),
    entity: s('customer_token'),
    customer_id: s(customerId),
    token_id: s(token.token_id),
    name: s(token.name),
    created_at: s(token.created_at),
    last_used_at: nullableS(token.last_used_at),
    revoked_at: nullableS(token.revoked_at),
  };
}

/** An entry as stored; one that only a recorded use has written so far has no name or date. */
function listedTokenFromItem(item: Item): ListedToken {
  return {
    token_id: readS(item, 'token_id'),
    name: readNullableS(item, 'name'),
    created_at: readNullableS(item, 'created_at'),
    last_used_at: readNullableS(item, 'last_used_at'),
    revoked_at: readNullableS(item, 'revoked_at'),
  };
}

export { customerTokenToItem, listedTokenFromItem };
