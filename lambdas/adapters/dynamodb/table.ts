/** The control plane's one table as the aggregate stores use it: keyed reads, newest-first pages, create-if-new. */
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type PutItemCommandInput,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { type Item, s } from './attributes.js';
import { isNew } from './transactions.js';

interface Table {
  readonly client: DynamoDBClient;
  readonly name: string;
}

/** One item by key, read consistently. */
async function getItem(table: Table, key: Item): Promise<Item | undefined> {
  const result = await table.client.send(new GetItemCommand({ TableName: table.name, Key: key, ConsistentRead: true }));
  return result.Item;
}

/** Puts `item` under `condition` (default: only if new); `false` when the condition fails. */
async function putIf(
  table: Table,
  item: Item,
  condition: Pick<PutItemCommandInput, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> = isNew,
): Promise<boolean> {
  try {
    await table.client.send(new PutItemCommand({ TableName: table.name, Item: item, ...condition }));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Up to `limit` items of a partition, newest sort key first, optionally only from `since` on:
 * page after page, since one Query answers at most 1 MB.
 */
async function newestFirst(table: Table, partition: string, limit: number, since?: string): Promise<Item[]> {
  const items: Item[] = [];
  for await (const page of newestFirstPages(table, partition, since, limit)) {
    items.push(...page);
    if (items.length >= limit) break;
  }
  return items.slice(0, limit);
}

/** Every item of a partition, newest sort key first, optionally only from `since` on, one Query page at a time. */
async function* newestFirstPages(table: Table, partition: string, since?: string, pageLimit?: number): AsyncGenerator<Item[]> {
  let start: Item | undefined;
  do {
    const result = await table.client.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: since === undefined ? 'pk = :pk' : 'pk = :pk AND sk >= :since',
        ExpressionAttributeValues: { ':pk': s(partition), ...(since === undefined ? {} : { ':since': s(since) }) },
        ScanIndexForward: false,
        ConsistentRead: true,
        ExclusiveStartKey: start,
        ...(pageLimit === undefined ? {} : { Limit: pageLimit }),
      }),
    );
    yield result.Items ?? [];
    start = result.LastEvaluatedKey;
  } while (start !== undefined);
}

/** Every item of a partition, read consistently, page after page. */
async function wholePartition(table: Table, partition: string): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await table.client.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': s(partition) },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

export type { Table };
export { getItem, newestFirst, newestFirstPages, putIf, wholePartition };
