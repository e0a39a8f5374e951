/**
 * Which items a DynamoDB write request touches, each named by its table and full primary key.
 * A Put carries its key inside `Item`: the table's key attribute names come from `keyNames`, which
 * the front answers from a DescribeTable it makes once per table.
 */

type AttributeValue = Record<string, unknown>;
type Key = Record<string, AttributeValue>;

/** Identity of one item: table and full primary key; `undefined` when the request does not say. */
type ItemId = string | undefined;

/** The key attribute names of a table, or `undefined` if they cannot be learnt (no such table). */
type KeyNames = (table: string) => Promise<readonly string[] | undefined>;

interface TableTarget {
  TableName?: unknown;
  Key?: unknown;
  Item?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The same item always has the same identity, whatever the order of its key attributes. */
function itemId(table: string, key: Key): string {
  const attributes = Object.keys(key)
    .sort()
    .map((name) => [name, key[name]]);
  return `${table}\u0000${JSON.stringify(attributes)}`;
}

/** The identity of the item a Put (from its `Item`) or an Update, Delete or ConditionCheck (from its `Key`) targets. */
async function targetId(target: TableTarget, keyNames: KeyNames): Promise<ItemId> {
  if (typeof target.TableName !== 'string') return undefined;
  if (isObject(target.Key)) return itemId(target.TableName, target.Key as Key);
  if (!isObject(target.Item)) return undefined;
  const names = await keyNames(target.TableName);
  if (names === undefined || names.length === 0) return undefined;
  const item = target.Item;
  if (names.some((name) => !isObject(item[name]))) return undefined;
  return itemId(target.TableName, Object.fromEntries(names.map((name) => [name, item[name] as AttributeValue])));
}

/** The items of a TransactWriteItems request, in request order (Put, Update, Delete and ConditionCheck alike). */
async function transactionItems(request: unknown, keyNames: KeyNames): Promise<ItemId[]> {
  if (!isObject(request) || !Array.isArray(request.TransactItems)) return [];
  return Promise.all(
    request.TransactItems.map((entry: unknown) => {
      if (!isObject(entry)) return undefined;
      const target = entry.Put ?? entry.Update ?? entry.Delete ?? entry.ConditionCheck;
      return isObject(target) ? targetId(target, keyNames) : undefined;
    }),
  );
}

/** The item of a PutItem, UpdateItem or DeleteItem request (the request itself names table and key or item). */
function singleWriteItem(request: unknown, keyNames: KeyNames): Promise<ItemId> {
  return isObject(request) ? targetId(request, keyNames) : Promise.resolve(undefined);
}

export type { ItemId, KeyNames };
export { itemId, singleWriteItem, transactionItems };
