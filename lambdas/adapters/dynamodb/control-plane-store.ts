/**
 * The control plane's DynamoDB adapter: it builds commands, marshals items and turns conditional
 * failures into outcomes the services act on. Every balance change is one transaction that writes
 * the account (conditioned on the version read), its ledger row, and what caused it.
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { AccountChange, Credit, Customer, LedgerEntry } from '../../domain/account.js';
import type { Job, JobEnvelopes } from '../../domain/job.js';
import type { ReleaseStatus } from '../../domain/job-lifecycle.js';
import type { StoredNode } from '../../domain/node.js';
import { type NodeEarnings, type NodeLedgerEntry, noEarnings } from '../../domain/node-earnings.js';
import type { Envelope } from '../../transport/envelope.js';
import { type Item, n, readS, readWei, s } from './attributes.js';
import {
  type CommandRef,
  commandFromItem,
  commandToItem,
  creditFromItem,
  creditToItem,
  customerFromItem,
  customerToItem,
  earningsFromItem,
  earningsToItem,
  envelopeToItems,
  jobEnvelopesFromItems,
  jobFromItem,
  jobToItem,
  keys,
  ledgerFromItem,
  ledgerToItem,
  nodeFromItem,
  nodeLedgerFromItem,
  nodeLedgerToItem,
  nodeToItem,
  OPEN_JOBS_INDEX,
  OPEN_SHARDS,
  type OpenShard,
  openShardKey,
  openShardOf,
  receiptFromItem,
  receiptToItem,
  type StoredReceipt,
} from './items.js';
import { isNew, isNewOrAnswerExisting, type NamedWrite, type TransactionOutcome, transactWrite } from './transactions.js';

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

interface CustomerChange {
  change: AccountChange;
  expectedVersion: number;
}

interface Settlement {
  job: Job;
  customer: CustomerChange;
  earnings: { next: NodeEarnings; entries: NodeLedgerEntry[]; expectedVersion: number };
  encryptedResponse: Envelope;
  /** When the response envelope is purged (epoch seconds). */
  responsePurgeAt: number;
  receipt: StoredReceipt;
  settledAt: string;
}

interface Release {
  job: Job;
  customer: CustomerChange;
  status: ReleaseStatus;
  reason: string;
  releasedAt: string;
  /** Release only if the job's next deadline is at or before this instant (the sweeper's guard). */
  dueBy?: string;
}

/** An open job as the `OpenJobs` index lists it. */
interface OpenJobRef {
  customer_id: string;
  job_id: string;
  node_id: string;
  status: Job['status'];
  reserved_price_wei: bigint;
  created_at: string;
  due_at: string;
}

interface OpenJobPage {
  jobs: OpenJobRef[];
  /** Where the next page starts; absent on the last page. */
  next?: Item;
}

type CloseOutcome =
  | { type: 'closed' }
  | { type: 'job_changed'; job: Job }
  | { type: 'account_changed'; customer: Customer | undefined }
  | { type: 'earnings_changed' };

type CreditOutcome =
  | { type: 'credited' }
  | { type: 'credit_exists'; credit: Credit }
  | { type: 'account_changed'; customer: Customer | undefined };

/** The account as it stood when its version guard failed; `undefined` when the transaction failed for another reason (re-read it). */
function changedAccount(outcome: TransactionOutcome<string>): Customer | undefined {
  return outcome.type === 'condition_failed' && outcome.name === 'account' && outcome.item !== undefined
    ? customerFromItem(outcome.item)
    : undefined;
}

/** A settle or release transaction's outcome, decided by which named write failed. */
function closeOutcome(outcome: TransactionOutcome<string>): CloseOutcome {
  if (outcome.type === 'committed') return { type: 'closed' };
  if (outcome.type === 'condition_failed') {
    if (outcome.name === 'job' && outcome.item !== undefined) return { type: 'job_changed', job: jobFromItem(outcome.item) };
    if (outcome.name === 'earnings') return { type: 'earnings_changed' };
  }
  return { type: 'account_changed', customer: changedAccount(outcome) };
}

/** The account as `change` leaves it, written only if it is still at `expectedVersion`. */
function accountUpdate(table: string, change: AccountChange, expectedVersion: number): NamedWrite<'account'> {
  const { account } = change;
  return {
    name: 'account',
    write: {
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
    },
  };
}

/** The `reserve`, `debit` or `release` ledger row of an account change. */
function ledgerRow(table: string, change: AccountChange): NamedWrite<'ledger'> {
  return { name: 'ledger', write: { Put: { TableName: table, Item: ledgerToItem(change.entry), ...isNew } } };
}

/**
 * Moves an open (queued or claimed) job to a terminal state and out of the `OpenJobs` index.
 * `deadline` adds a guard on its next deadline: `before` (settling: the deadline has not passed)
 * or `reached` (expiring: it has).
 */
function closeJob(
  table: string,
  job: Job,
  values: Record<string, AttributeValue>,
  deadline?: { before: string } | { reached: string },
): NamedWrite<'job'> {
  const names = Object.keys(values);
  const guard = deadline === undefined ? '' : 'before' in deadline ? ' AND #due_at > :deadline' : ' AND #due_at <= :deadline';
  return {
    name: 'job',
    write: {
      Update: {
        TableName: table,
        Key: keys.job(job.customer_id, job.job_id),
        UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')} REMOVE #open_shard, #due_at`,
        ConditionExpression: `#status IN (:queued, :claimed)${guard}`,
        ExpressionAttributeNames: Object.fromEntries([...names, 'status', 'open_shard', 'due_at'].map((name) => [`#${name}`, name])),
        ExpressionAttributeValues: {
          ...Object.fromEntries(names.map((name) => [`:${name}`, values[name] as AttributeValue])),
          ':queued': s('queued'),
          ':claimed': s('claimed'),
          ...(deadline === undefined ? {} : { ':deadline': s('before' in deadline ? deadline.before : deadline.reached) }),
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      },
    },
  };
}

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
          ...isNew,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Creates the job with its request envelope, moves its price from available to reserved and
   * appends the `reserve` ledger row, only if the job is new, the account is still at the version
   * read and the node is still at the revision read (so its status, models and keys are what the
   * request was checked against). The new job item is also the outbox entry: its stream record
   * makes the relay deliver the command even if this process stops right after the commit.
   * The envelope and the command index expire at `purgeAt` (epoch seconds).
   */
  async reserveForJob(
    job: Job,
    encryptedRequest: Envelope,
    change: AccountChange,
    guards: { expectedVersion: number; nodeRevision: number; purgeAt: number },
  ): Promise<ReserveOutcome> {
    const { expectedVersion, nodeRevision, purgeAt } = guards;
    const ref = { command_id: job.command_id, customer_id: job.customer_id, job_id: job.job_id, node_id: job.node_id };
    const table = this.#table;
    const outcome = await transactWrite(this.#client, [
      { name: 'job', write: { Put: { TableName: table, Item: jobToItem(job), ...isNewOrAnswerExisting } } },
      accountUpdate(table, change, expectedVersion),
      ledgerRow(table, change),
      { name: 'command', write: { Put: { TableName: table, Item: commandToItem(ref, purgeAt), ...isNew } } },
      {
        name: 'node',
        write: {
          ConditionCheck: {
            TableName: table,
            Key: keys.node(job.node_id),
            ConditionExpression: '#revision = :revision AND #status = :active',
            ExpressionAttributeNames: { '#revision': 'revision', '#status': 'status' },
            ExpressionAttributeValues: { ':revision': n(nodeRevision), ':active': s('active') },
          },
        },
      },
      ...envelopeToItems(job.customer_id, job.job_id, 'request', encryptedRequest, purgeAt).map((item) => ({
        name: 'envelope' as const,
        write: { Put: { TableName: table, Item: item, ...isNew } },
      })),
    ]);
    if (outcome.type === 'committed') return { type: 'reserved' };
    if (outcome.type === 'condition_failed') {
      if (outcome.name === 'job' && outcome.item !== undefined) return { type: 'job_exists', job: jobFromItem(outcome.item) };
      if (outcome.name === 'node') return { type: 'node_changed' };
    }
    return { type: 'account_changed', customer: changedAccount(outcome) };
  }

  /** Records the credit id and adds the credit to the balance with its `credit` ledger row. */
  async applyCredit(credit: Credit, change: AccountChange, expectedVersion: number, createdAt: string): Promise<CreditOutcome> {
    const outcome = await transactWrite(this.#client, [
      { name: 'credit', write: { Put: { TableName: this.#table, Item: creditToItem(credit, createdAt), ...isNewOrAnswerExisting } } },
      accountUpdate(this.#table, change, expectedVersion),
      ledgerRow(this.#table, change),
    ]);
    if (outcome.type === 'committed') return { type: 'credited' };
    if (outcome.type === 'condition_failed' && outcome.name === 'credit' && outcome.item !== undefined) {
      return { type: 'credit_exists', credit: creditFromItem(outcome.item) };
    }
    return { type: 'account_changed', customer: changedAccount(outcome) };
  }

  /** Writes a node if its revision is still `expectedRevision` (absent: the node must be new). */
  async putNode(stored: StoredNode, expectedRevision: number | undefined): Promise<boolean> {
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: nodeToItem(stored),
          ...(expectedRevision === undefined
            ? isNew
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

  /** The customer's ledger, newest first, optionally only rows created at or after `since`. */
  async ledger(customerId: string, limit: number, since?: string): Promise<LedgerEntry[]> {
    return (await this.#newestFirst(keys.ledgerPartition(customerId), limit, since)).map(ledgerFromItem);
  }

  /** A node's payout and protocol-fee rows, newest first. */
  async nodeLedger(nodeId: string, limit: number): Promise<NodeLedgerEntry[]> {
    return (await this.#newestFirst(keys.nodeLedgerPartition(nodeId), limit)).map(nodeLedgerFromItem);
  }

  /** A job with whichever of its envelopes are still kept: one query of the job's partition. */
  async getJobWithEnvelopes(customerId: string, jobId: string): Promise<{ job: Job; envelopes: JobEnvelopes } | undefined> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': s(keys.jobPartition(customerId, jobId)) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    const jobItem = items.find((item) => item.sk?.S === 'JOB');
    return jobItem === undefined ? undefined : { job: jobFromItem(jobItem), envelopes: jobEnvelopesFromItems(items) };
  }

  /**
   * One page of the open jobs in a shard of the `OpenJobs` index, soonest deadline first: those
   * due at or before `dueBy`, or all of them. The index is eventually consistent; every close
   * re-checks the job itself.
   */
  async openJobs(shard: OpenShard, options: { dueBy?: string; limit: number; start?: Item }): Promise<OpenJobPage> {
    const result = await this.#client.send(
      new QueryCommand({
        TableName: this.#table,
        IndexName: OPEN_JOBS_INDEX,
        KeyConditionExpression: options.dueBy === undefined ? 'open_shard = :shard' : 'open_shard = :shard AND due_at <= :due',
        ExpressionAttributeValues: {
          ':shard': s(openShardKey(shard)),
          ...(options.dueBy === undefined ? {} : { ':due': s(options.dueBy) }),
        },
        Limit: options.limit,
        ExclusiveStartKey: options.start,
      }),
    );
    return {
      jobs: (result.Items ?? []).map((item) => ({
        customer_id: readS(item, 'customer_id'),
        job_id: readS(item, 'job_id'),
        node_id: readS(item, 'node_id'),
        status: readS(item, 'status') as Job['status'],
        reserved_price_wei: readWei(item, 'reserved_price_wei'),
        created_at: readS(item, 'created_at'),
        due_at: readS(item, 'due_at'),
      })),
      ...(result.LastEvaluatedKey === undefined ? {} : { next: result.LastEvaluatedKey }),
    };
  }

  /**
   * When the oldest open job was created: the first job of each index partition is its oldest
   * (within a status every job has the same window, so the soonest deadline is the oldest job).
   */
  async oldestOpenJobCreatedAt(): Promise<string | undefined> {
    const firsts = await Promise.all(OPEN_SHARDS.map((shard) => this.openJobs(shard, { limit: 1 })));
    const created = firsts.flatMap((page) => page.jobs.map((job) => job.created_at)).sort();
    return created[0];
  }

  async findCommand(commandId: string): Promise<CommandRef | undefined> {
    const item = await this.#get(keys.command(commandId));
    return item === undefined ? undefined : commandFromItem(item);
  }

  async getEarnings(nodeId: string): Promise<NodeEarnings> {
    const item = await this.#get(keys.earnings(nodeId));
    return item === undefined ? noEarnings(nodeId) : earningsFromItem(item);
  }

  async getReceipt(receiptHash: string): Promise<StoredReceipt | undefined> {
    const item = await this.#get(keys.receipt(receiptHash));
    return item === undefined ? undefined : receiptFromItem(item);
  }

  /**
   * Marks a queued job claimed if its claim deadline has not passed; its next deadline becomes
   * the completion deadline. Answers the job as it now stands either way.
   */
  async claimJob(customerId: string, jobId: string, claimedAt: string): Promise<Job | undefined> {
    try {
      const result = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: keys.job(customerId, jobId),
          UpdateExpression: 'SET #status = :claimed, claimed_at = :at, due_at = completion_deadline, open_shard = :shard',
          ConditionExpression: '#status = :queued AND claim_deadline > :at',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':claimed': s('claimed'),
            ':queued': s('queued'),
            ':at': s(claimedAt),
            ':shard': s(openShardOf(customerId, jobId, 'claimed')),
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return result.Attributes === undefined ? undefined : jobFromItem(result.Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return error.Item === undefined ? undefined : jobFromItem(error.Item);
      throw error;
    }
  }

  /**
   * Settles an answered job in one transaction: the job completes with its answer and receipt,
   * the customer is debited (balance and reservation), the node's payout and the protocol fee
   * are added with their ledger rows, and the receipt is published. Only an open job settles.
   */
  async settleJob(settlement: Settlement): Promise<CloseOutcome> {
    const { job, customer, earnings, receipt } = settlement;
    const table = this.#table;
    const outcome = await transactWrite(this.#client, [
      closeJob(
        table,
        job,
        {
          status: s('completed'),
          billing_status: s('debited'),
          receipt_hash: s(receipt.receipt_hash),
          completed_at: s(settlement.settledAt),
        },
        { before: settlement.settledAt },
      ),
      accountUpdate(table, customer.change, customer.expectedVersion),
      ledgerRow(table, customer.change),
      {
        name: 'earnings',
        write: {
          Put: {
            TableName: table,
            Item: earningsToItem(earnings.next),
            ConditionExpression: 'attribute_not_exists(pk) OR #version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': n(earnings.expectedVersion) },
          },
        },
      },
      ...earnings.entries.map((entry) => ({
        name: 'node_ledger' as const,
        write: { Put: { TableName: table, Item: nodeLedgerToItem(entry), ...isNew } },
      })),
      { name: 'receipt', write: { Put: { TableName: table, Item: receiptToItem(receipt), ...isNew } } },
      ...envelopeToItems(job.customer_id, job.job_id, 'response', settlement.encryptedResponse, settlement.responsePurgeAt).map((item) => ({
        name: 'envelope' as const,
        write: { Put: { TableName: table, Item: item } },
      })),
    ]);
    return closeOutcome(outcome);
  }

  /** Closes an open job without a debit (failed, expired or cancelled) and releases its reservation. */
  async releaseJob(release: Release): Promise<CloseOutcome> {
    const { job, customer } = release;
    const outcome = await transactWrite(this.#client, [
      closeJob(
        this.#table,
        job,
        { status: s(release.status), billing_status: s('released'), completed_at: s(release.releasedAt), close_reason: s(release.reason) },
        release.dueBy === undefined ? undefined : { reached: release.dueBy },
      ),
      accountUpdate(this.#table, customer.change, customer.expectedVersion),
      ledgerRow(this.#table, customer.change),
    ]);
    return closeOutcome(outcome);
  }

  /** Remembers a node request's nonce until `expiresAt` (epoch seconds); `false` if it was seen. */
  async rememberNonce(nodeId: string, nonce: string, expiresAt: number): Promise<boolean> {
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: { ...keys.nonce(nodeId, nonce), entity: s('nonce'), expires_at: n(expiresAt) },
          ...isNew,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async #newestFirst(partition: string, limit: number, since?: string): Promise<Item[]> {
    const result = await this.#client.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: since === undefined ? 'pk = :pk' : 'pk = :pk AND sk >= :since',
        ExpressionAttributeValues: { ':pk': s(partition), ...(since === undefined ? {} : { ':since': s(since) }) },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return result.Items ?? [];
  }

  async #get(key: Item): Promise<Item | undefined> {
    const result = await this.#client.send(new GetItemCommand({ TableName: this.#table, Key: key, ConsistentRead: true }));
    return result.Item;
  }
}

export type { CloseOutcome, CreditOutcome, CustomerChange, OpenJobPage, OpenJobRef, Release, ReserveOutcome, Settlement, Snapshot };
export { ControlPlaneStore };
