/**
 * The table a test file works on. By default it is the deployed stack's table, shared with every
 * other file and with the deployed workers (the sweeper runs every minute, the relay reads its
 * stream). A file that runs whole-table work (a sweep, a stale-reservation release) or makes time
 * pass for its jobs takes a table of its own with `useOwnTable()`: same keys and indexes, a unique
 * name, deleted after the file. Then its in-process handlers, workers and reads see only its own
 * jobs, and no deployed worker ever touches them, so its assertions can be exact.
 *
 * Everything in `support/` reads the table name through `tableName()` at the moment of the call.
 * A handler reads `TABLE_NAME` when its module loads (its cold start), and `support/api.ts` loads
 * the handlers on first call. So `useOwnTable()` must be called at the top level of the file, before
 * any test runs, and such a file must not import a handler module statically.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  ScanCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, inject } from 'vitest';

const dynamodb = new DynamoDBClient({});

/** The table the current file works on. */
function tableName(): string {
  return process.env.TABLE_NAME ?? inject('localStack').outputs.TableName;
}

/**
 * Creates a table for this file with the deployed table's key schema and global secondary
 * indexes (no stream: nothing deployed reads it), points `TABLE_NAME` at it before the first test,
 * and deletes it after the last.
 */
function useOwnTable(): void {
  const deployed = inject('localStack').outputs.TableName;
  const own = `${deployed}-own-${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: deployed }));
    if (Table?.KeySchema === undefined || Table.AttributeDefinitions === undefined) throw new Error(`cannot describe table ${deployed}`);
    const indexes: GlobalSecondaryIndex[] = (Table.GlobalSecondaryIndexes ?? []).map((index) => ({
      IndexName: index.IndexName,
      KeySchema: index.KeySchema,
      Projection: index.Projection,
    }));
    await dynamodb.send(
      new CreateTableCommand({
        TableName: own,
        KeySchema: Table.KeySchema,
        AttributeDefinitions: Table.AttributeDefinitions,
        BillingMode: 'PAY_PER_REQUEST',
        ...(indexes.length === 0 ? {} : { GlobalSecondaryIndexes: indexes }),
      }),
    );
    await waitUntilTableExists({ client: dynamodb, maxWaitTime: 60 }, { TableName: own });
    process.env.TABLE_NAME = own;
  });
  afterAll(async () => {
    process.env.TABLE_NAME = deployed;
    // A guard against a store bound before the switch: the file's writes must have landed here.
    const { Count } = await dynamodb.send(new ScanCommand({ TableName: own, Limit: 1, Select: 'COUNT' }));
    await dynamodb.send(new DeleteTableCommand({ TableName: own }));
    if (!Count) throw new Error(`nothing was written to ${own}: the file's handlers used another table`);
  });
}

export { tableName, useOwnTable };
