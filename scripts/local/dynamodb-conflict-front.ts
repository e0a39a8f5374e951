/**
 * A DynamoDB front for the local stack: an HTTP server on 127.0.0.1 that speaks DynamoDB's JSON
 * protocol, forwards every request unchanged to the emulator and relays its answer, but applies the
 * conflict rules the emulator lacks (ministack runs transactions one at a time and never answers
 * TransactionConflict):
 * - each TransactWriteItems in flight holds its items (Put, Update, Delete and ConditionCheck), from
 *   its arrival through its added latency and the emulator's answer, success or error;
 * - a TransactWriteItems that touches a held item is cancelled without reaching the emulator
 *   (TransactionCanceledException, `TransactionConflict` on the shared items, `None` elsewhere);
 *   one repeated with the ClientRequestToken of one in flight gets TransactionInProgressException;
 * - a PutItem, UpdateItem or DeleteItem on a held item fails with TransactionConflictException;
 * - reads and every other request pass through (a plain read sees the last committed state).
 * Each DynamoDB call can also wait an added latency drawn from DynamoDB's published figures, so that
 * transactions overlap as they do on AWS; a refused call costs its latency too, as on AWS.
 * Not modelled: TransactGetItems cancelled by writes in flight, BatchWriteItem against held items,
 * PartiQL statements; a table named once by name and once by ARN counts as two tables.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type Answer,
  transactionCanceled,
  transactionConflict,
  transactionInProgress,
  upstreamUnreachable,
} from './conflict-front/answers.js';
import { Holds } from './conflict-front/holds.js';
import { singleWriteItem, transactionItems } from './conflict-front/items.js';
import { type LatencySetting, latencySampler } from './conflict-front/latency.js';
import { connectUpstream, keyNamesFrom } from './conflict-front/upstream.js';

const TARGET_PREFIX = 'DynamoDB_20120810.';
const SINGLE_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

interface ConflictFrontOptions {
  /** The emulator's endpoint, e.g. `http://127.0.0.1:4566`. */
  upstream: string;
  /** Added latency per operation: DynamoDB's published figures (default), none, or figures of your own. */
  latency?: LatencySetting;
  /** Seed of the latency draws, for repeatable runs. */
  seed?: number;
  /** How to wait an added latency (tests record it instead of waiting). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

interface ConflictFrontStats {
  /** Requests forwarded to the emulator, by DynamoDB operation (the front's own DescribeTable excluded). */
  forwarded: Record<string, number>;
  /** TransactWriteItems cancelled for a TransactionConflict, never forwarded. */
  transactionsCancelled: number;
  /** TransactWriteItems refused because one with its ClientRequestToken was in flight. */
  transactionsInProgress: number;
  /** PutItem, UpdateItem and DeleteItem refused with TransactionConflictException. */
  singleWritesRefused: number;
  /** DescribeTable calls the front made to learn key schemas. */
  keySchemaLookups: number;
  /** Items held by the transactions in flight now. */
  heldItems: number;
}

interface ConflictFront {
  url: string;
  stop(): Promise<void>;
  stats(): ConflictFrontStats;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined; // the emulator answers the malformed request itself
  }
}

function write(response: ServerResponse, answer: Answer): void {
  response.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
  response.end(answer.body);
}

async function startConflictFront(options: ConflictFrontOptions): Promise<ConflictFront> {
  const upstream = connectUpstream(options.upstream);
  const sample = latencySampler(options.latency ?? 'aws', options.seed);
  const sleep = options.sleep ?? ((ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }));
  const stopping = new AbortController();
  const holds = new Holds();
  const counts = { forwarded: {} as Record<string, number>, transactionsCancelled: 0, transactionsInProgress: 0, singleWritesRefused: 0 };
  let keySchemaLookups = 0;
  const keyNames = keyNamesFrom(upstream, () => {
    keySchemaLookups += 1;
  });

  const wait = async (operation: string, items: number): Promise<void> => {
    const ms = sample(operation, items);
    if (ms > 0) await sleep(ms, stopping.signal);
  };

  const forward = async (request: IncomingMessage, body: Buffer, operation: string | undefined): Promise<Answer> => {
    let answer: Answer;
    try {
      answer = await upstream.send(request.method ?? 'POST', request.url ?? '/', request.headers, body);
    } catch {
      return upstreamUnreachable();
    }
    if (operation !== undefined) counts.forwarded[operation] = (counts.forwarded[operation] ?? 0) + 1;
    return answer;
  };

  const transactWrite = async (request: IncomingMessage, body: Buffer, payload: unknown): Promise<Answer> => {
    const items = await transactionItems(payload, keyNames(request.headers));
    const token = (payload as { ClientRequestToken?: unknown } | undefined)?.ClientRequestToken;
    const clientToken = typeof token === 'string' ? token : undefined;
    if (holds.isTokenInFlight(clientToken)) {
      counts.transactionsInProgress += 1;
      await wait('TransactWriteItems', items.length);
      return transactionInProgress();
    }
    const conflicts = holds.conflicts(items);
    if (conflicts.some(Boolean)) {
      counts.transactionsCancelled += 1;
      await wait('TransactWriteItems', items.length);
      return transactionCanceled(conflicts);
    }
    const release = holds.hold(items, clientToken);
    try {
      await wait('TransactWriteItems', items.length);
      return await forward(request, body, 'TransactWriteItems');
    } finally {
      release();
    }
  };

  const singleWrite = async (request: IncomingMessage, body: Buffer, payload: unknown, operation: string): Promise<Answer> => {
    const item = await singleWriteItem(payload, keyNames(request.headers));
    if (holds.isHeld(item)) {
      counts.singleWritesRefused += 1;
      await wait(operation, 1);
      return transactionConflict();
    }
    await wait(operation, 1);
    return forward(request, body, operation);
  };

  const answer = async (request: IncomingMessage, body: Buffer): Promise<Answer> => {
    const target = request.headers['x-amz-target'];
    if (typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) return forward(request, body, undefined);
    const operation = target.slice(TARGET_PREFIX.length);
    const payload = parseJson(body);
    if (operation === 'TransactWriteItems') return transactWrite(request, body, payload);
    if (SINGLE_WRITES.has(operation)) return singleWrite(request, body, payload, operation);
    const items = (payload as { TransactItems?: unknown[] } | undefined)?.TransactItems?.length ?? 1;
    await wait(operation, items);
    return forward(request, body, operation);
  };

  const server = http.createServer((request, response) => {
    readBody(request)
      .then((body) => answer(request, body))
      .then((result) => write(response, result))
      .catch(() => response.destroy()); // only when stopping (an aborted wait) or the caller went away
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => ({ ...counts, forwarded: { ...counts.forwarded }, keySchemaLookups, heldItems: holds.heldItems }),
    stop: async () => {
      stopping.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      upstream.close();
      await closed;
    },
  };
}

export type { ConflictFront, ConflictFrontOptions, ConflictFrontStats };
export { startConflictFront };
