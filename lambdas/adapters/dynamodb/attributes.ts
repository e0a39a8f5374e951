/** Typed converters between domain values and DynamoDB attribute values. wei is always `N`. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

type Item = Record<string, AttributeValue>;

const s = (value: string): AttributeValue => ({ S: value });
const n = (value: bigint | number): AttributeValue => ({ N: value.toString(10) });
const nullableS = (value: string | null): AttributeValue => (value === null ? { NULL: true } : { S: value });
const stringMap = (value: Record<string, string>): AttributeValue => ({
  M: Object.fromEntries(Object.entries(value).map(([key, text]) => [key, s(text)])),
});

function readS(item: Item, name: string): string {
  const value = item[name]?.S;
  if (value === undefined) throw new TypeError(`item attribute ${name} is not a string`);
  return value;
}

/** A string, or null when the attribute is NULL or absent. */
function readNullableS(item: Item, name: string): string | null {
  return item[name] === undefined || item[name]?.NULL ? null : readS(item, name);
}

/** A DynamoDB number as `bigint`: exact for all 38 digits. */
function readWei(item: Item, name: string): bigint {
  const value = item[name]?.N;
  if (value === undefined) throw new TypeError(`item attribute ${name} is not a number`);
  return BigInt(value);
}

function readInt(item: Item, name: string): number {
  const value = Number(item[name]?.N);
  if (!Number.isSafeInteger(value)) throw new TypeError(`item attribute ${name} is not an integer`);
  return value;
}

function readList(item: Item, name: string): Item[] {
  const list = item[name]?.L;
  if (list === undefined) throw new TypeError(`item attribute ${name} is not a list`);
  return list.map((entry) => {
    if (entry.M === undefined) throw new TypeError(`item attribute ${name} holds a non-map`);
    return entry.M;
  });
}

export type { Item };
export { n, nullableS, readInt, readList, readNullableS, readS, readWei, s, stringMap };
