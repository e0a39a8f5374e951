/**
 * A tiny stand-in for the emulator behind the conflict front: a node:http server that records every
 * request and answers by operation. A test can hold the next request of an operation until it lets
 * it go (`gate`), so "in flight" is a state the test controls, never a time window.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

interface RecordedRequest {
  operation: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

interface UpstreamAnswer {
  status: number;
  body: unknown;
}

interface Gate {
  /** Resolves when the held request has reached the upstream. */
  arrived: Promise<void>;
  /** Lets the held request be answered (with `answer`, or the default one). */
  release(answer?: UpstreamAnswer): void;
}

const KEY_SCHEMA = [
  { AttributeName: 'pk', KeyType: 'HASH' },
  { AttributeName: 'sk', KeyType: 'RANGE' },
];

function defaultAnswer(operation: string, body: Record<string, unknown>): UpstreamAnswer {
  if (operation === 'DescribeTable') return { status: 200, body: { Table: { TableName: body.TableName, KeySchema: KEY_SCHEMA } } };
  if (operation === 'GetItem') return { status: 200, body: { Item: { ...(body.Key as object), state: { S: 'committed' } } } };
  if (operation === 'Query') return { status: 200, body: { Items: [], Count: 0, ScannedCount: 0 } };
  return { status: 200, body: {} };
}

async function startFakeUpstream() {
  const requests: RecordedRequest[] = [];
  const gates = new Map<string, { arrive: () => void; answer: Promise<UpstreamAnswer | undefined> }[]>();

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const operation = String(request.headers['x-amz-target'] ?? '').replace('DynamoDB_20120810.', '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      requests.push({ operation, headers: request.headers, body });
      const gate = gates.get(operation)?.shift();
      gate?.arrive();
      void (gate?.answer ?? Promise.resolve(undefined)).then((held) => {
        const { status, body: payload } = held ?? defaultAnswer(operation, body);
        const text = JSON.stringify(payload);
        response.writeHead(status, {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-requestid': `UPSTREAM-${requests.length}`,
          'content-length': String(Buffer.byteLength(text)),
        });
        response.end(text);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** The requests of one operation, in arrival order. */
    received: (operation: string) => requests.filter((request) => request.operation === operation),
    /** Holds the next request of `operation` until the test releases it. */
    gate(operation: string): Gate {
      let arrive = () => {};
      let release: (answer?: UpstreamAnswer) => void = () => {};
      const arrived = new Promise<void>((resolve) => {
        arrive = resolve;
      });
      const answer = new Promise<UpstreamAnswer | undefined>((resolve) => {
        release = resolve;
      });
      gates.set(operation, [...(gates.get(operation) ?? []), { arrive, answer }]);
      return { arrived, release };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

type FakeUpstream = Awaited<ReturnType<typeof startFakeUpstream>>;

export type { FakeUpstream, RecordedRequest };
export { startFakeUpstream };
