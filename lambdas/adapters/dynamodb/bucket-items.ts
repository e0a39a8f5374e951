/**
 * Reservation buckets as items (layout in items.ts), and the writes that move money in them.
 * Every write is an update relative to what the bucket holds (no read-modify-write, no version):
 * a reservation or a refill's donor is conditioned on `available_wei` covering it, a debit or a
 * release on `reserved_wei` covering it. A credit or a refill's target creates an absent bucket.
 */
import type { Bucket } from '../../domain/escrow.js';
import { type Item, n, readInt, readWei, s } from './attributes.js';
import { keys } from './items.js';
import type { Table } from './table.js';
import type { NamedWrite } from './transactions.js';

function bucketFromItem(item: Item): Bucket {
  return { index: readInt(item, 'bucket'), available_wei: readWei(item, 'available_wei'), reserved_wei: readWei(item, 'reserved_wei') };
}

type BucketChange = 'reserve' | 'release' | 'debit' | 'take';

const CHANGES: Record<BucketChange, { update: string; condition: string }> = {
  reserve: {
    update: 'SET available_wei = available_wei - :amount, reserved_wei = reserved_wei + :amount',
    condition: 'available_wei >= :amount',
  },
  release: {
    update: 'SET available_wei = available_wei + :amount, reserved_wei = reserved_wei - :amount',
    condition: 'reserved_wei >= :amount',
  },
  debit: { update: 'SET reserved_wei = reserved_wei - :amount', condition: 'reserved_wei >= :amount' },
  /** A refill's donor gives some of its available money. */
  take: { update: 'SET available_wei = available_wei - :amount', condition: 'available_wei >= :amount' },
};

/** `change` of `amount` in bucket `index`, only if the bucket covers it (answers the bucket as it stood if not). */
function bucketUpdate<Name extends string>(
  table: Table,
  name: Name,
  customerId: string,
  index: number,
  change: BucketChange,
  amount: bigint,
): NamedWrite<Name> {
  return {
    name,
    write: {
      Update: {
        TableName: table.name,
        Key: keys.bucket(customerId, index),
        UpdateExpression: CHANGES[change].update,
        ConditionExpression: CHANGES[change].condition,
        ExpressionAttributeValues: { ':amount': n(amount) },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
  };
}

/** Adds `amount` to the available money of bucket `index`, creating it if absent (a credit's share, a refill's target). */
function bucketDeposit<Name extends string>(table: Table, name: Name, customerId: string, index: number, amount: bigint): NamedWrite<Name> {
  return {
    name,
    write: {
      Update: {
        TableName: table.name,
        Key: keys.bucket(customerId, index),
        UpdateExpression: 'SET #entity = :entity, #customer = :customer, #bucket = :bucket ADD available_wei :amount, reserved_wei :zero',
        ExpressionAttributeNames: { '#entity': 'entity', '#customer': 'customer_id', '#bucket': 'bucket' },
        ExpressionAttributeValues: {
          ':entity': s('bucket'),
          ':customer': s(customerId),
          ':bucket': n(index),
          ':amount': n(amount),
          ':zero': n(0n),
        },
      },
    },
  };
}

/** The bucket a failed condition answered; an absent bucket holds zero. */
function bucketAsItStood(index: number, item: Item | undefined): Bucket {
  return item === undefined ? { index, available_wei: 0n, reserved_wei: 0n } : bucketFromItem(item);
}

export type { BucketChange };
export { bucketAsItStood, bucketDeposit, bucketFromItem, bucketUpdate };
