/**
 * The control plane's DynamoDB adapter: it builds commands, marshals items and turns conditional
 * failures into outcomes the services act on. Every balance change is one transaction that writes
 * the account (conditioned on the version read), its ledger row, and what caused it.
 */
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type { AccountChange, Credit, Customer, LedgerEntry } from '../../domain/account.js';
import type { Job } from '../../domain/job.js';
import type { StoredNode } from '../../domain/node.js';
import { type Item, n, s } from './attributes.js';
import {
  creditFromItem,
  creditToItem,
  customerFromItem,
  customerToItem,
  jobFromItem,
  jobToItem,
  keys,
  ledgerFromItem,
  ledgerToItem,
  nodeFromItem,
  nodeToItem,
} from './items.js';
import { transactWrite } from './transactions.js';

interface Snapshot {
  customer?: Customer;
  node?: StoredNode;
  job?: Job;
}

type ReserveOutcome =
  | { type: 'reserved' }
  | { type: 'job_exists'; job: Job }
  | { type: 'account_changed'; customer: Customer | undefined }
  | { type: 'node_changed' };

type CreditOutcome =
  | { type: 'credited' }
  | { type: 'credit_exists'; credit: Credit }
  | { type: 'account_changed'; customer: Customer | undefined };

/** The account as `change` leaves it, written only if it is still at `expectedVersion`. */
function accountUpdate(table: string, change: AccountChange, expectedVersion: number) {
  const { account } = change;
  return {
    Update: {
      TableName: table,
      Key: keys.account(account.customer_id),
      UpdateExpression: 'SET balance_wei = :balance, reserved_wei = :reserved, #version = :next',
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: {
        ':balance': n(account.balance_wei),
        ':reserved': n(account.reserved_wei),
        ':next': n(account.version),
        ':expected': n(expectedVersion),
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    },
  };
}

const isNew = { ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const };

class ControlPlaneStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;

  constructor(client: DynamoDBClient, tableName: string) {
    this.#client = client;
    this.#table = tableName;
  }

  /** One consistent read of what a customer request needs: the account, and the node and job it names. */
  async read(ids: { customerId: string; nodeId?: string; jobId?: string }): Promise<Snapshot> {
    let pending: Item[] = [keys.account(ids.customerId)];
    if (ids.nodeId !== undefined) pending.push(keys.node(ids.nodeId));
    if (ids.jobId !== undefined) pending.push(keys.job(ids.customerId, ids.jobId));
    const snapshot: Snapshot = {};
    while (pending.length > 0) {
      const result = await this.#client.send(
        new BatchGetItemCommand({ RequestItems: { [this.#table]: { Keys: pending, ConsistentRead: true } } }),
      );
      for (const item of result.Responses?.[this.#table] ?? []) {
        const entity = item.entity?.S;
        if (entity === 'account') snapshot.customer = customerFromItem(item);
        else if (entity === 'node') snapshot.node = nodeFromItem(item);
        else if (entity === 'job') snapshot.job = jobFromItem(item);
      }
      pending = result.UnprocessedKeys?.[this.#table]?.Keys ?? [];
    }
    return snapshot;
  }

  async getNode(nodeId: string): Promise<StoredNode | undefined> {
    const item = await this.#get(keys.node(nodeId));
    return item === undefined ? undefined : nodeFromItem(item);
  }

  async getCustomer(customerId: string): Promise<Customer | undefined> {
    const item = await this.#get(keys.account(customerId));
    return item === undefined ? undefined : customerFromItem(item);
  }

  async findCredit(creditId: string): Promise<Credit | undefined> {
    const item = await this.#get(keys.credit(creditId));
    return item === undefined ? undefined : creditFromItem(item);
  }

  /** Creates a customer with an empty account; `false` when the id is taken. */
  async createCustomer(customer: Customer, createdAt: string): Promise<boolean> {
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: customerToItem(customer, createdAt),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Creates the job, moves its price from available to reserved and appends the `reserve` ledger
   * row, only if the job is new, the account is still at the version read and the node is still
   * at the revision read (so its status, models and keys are what the request was checked against).
   */
  async reserveForJob(job: Job, change: AccountChange, expectedVersion: number, nodeRevision: number): Promise<ReserveOutcome> {
    const outcome = await transactWrite(this.#client, [
      { Put: { TableName: this.#table, Item: jobToItem(job), ...isNew } },
      accountUpdate(this.#table, change, expectedVersion),
      { Put: { TableName: this.#table, Item: ledgerToItem(change.entry), ConditionExpression: 'attribute_not_exists(pk)' } },
      {
        ConditionCheck: {
          TableName: this.#table,
          Key: keys.node(job.node_id),
          ConditionExpression: '#revision = :revision AND #status = :active',
          ExpressionAttributeNames: { '#revision': 'revision', '#status': 'status' },
          ExpressionAttributeValues: { ':revision': n(nodeRevision), ':active': s('active') },
        },
      },
    ]);
    if (outcome.committed) return { type: 'reserved' };
    if (outcome.failedIndex === 0 && outcome.item !== undefined) return { type: 'job_exists', job: jobFromItem(outcome.item) };
    if (outcome.failedIndex === 3) return { type: 'node_changed' };
    if (outcome.failedIndex === 0) {
      // An emulator that drops Item: read the job that won.
      const item = await this.#get(keys.job(job.customer_id, job.job_id));
      if (item !== undefined) return { type: 'job_exists', job: jobFromItem(item) };
    }
    return { type: 'account_changed', customer: outcome.item === undefined ? undefined : customerFromItem(outcome.item) };
  }

  /** Records the credit id and adds the credit to the balance with its `credit` ledger row. */
  async applyCredit(credit: Credit, change: AccountChange, expectedVersion: number, createdAt: string): Promise<CreditOutcome> {
    const outcome = await transactWrite(this.#client, [
      { Put: { TableName: this.#table, Item: creditToItem(credit, createdAt), ...isNew } },
      accountUpdate(this.#table, change, expectedVersion),
      { Put: { TableName: this.#table, Item: ledgerToItem(change.entry), ConditionExpression: 'attribute_not_exists(pk)' } },
    ]);
    if (outcome.committed) return { type: 'credited' };
    if (outcome.failedIndex === 0) {
      const item = outcome.item ?? (await this.#get(keys.credit(credit.credit_id)));
      if (item !== undefined) return { type: 'credit_exists', credit: creditFromItem(item) };
    }
    return { type: 'account_changed', customer: outcome.item === undefined ? undefined : customerFromItem(outcome.item) };
  }

  /** Writes a node if its revision is still `expectedRevision` (absent: the node must be new). */
  async putNode(stored: StoredNode, expectedRevision: number | undefined): Promise<boolean> {
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: nodeToItem(stored),
          ...(expectedRevision === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#revision = :expected',
                ExpressionAttributeNames: { '#revision': 'revision' },
                ExpressionAttributeValues: { ':expected': n(expectedRevision) },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** The customer's ledger, newest first. */
  async ledger(customerId: string, limit: number): Promise<LedgerEntry[]> {
    const result = await this.#client.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': s(keys.ledgerPartition(customerId)) },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (result.Items ?? []).map(ledgerFromItem);
  }

  async #get(key: Item): Promise<Item | undefined> {
    const result = await this.#client.send(new GetItemCommand({ TableName: this.#table, Key: key, ConsistentRead: true }));
    return result.Item;
  }
}

export { ControlPlaneStore };
export type { CreditOutcome, ReserveOutcome, Snapshot };
