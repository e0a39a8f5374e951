/**
 * The emulator behind the front: requests go to it unchanged (method, path, headers, body) but for the
 * hop-by-hop headers and `host`, over node:http rather than fetch so that every header the SDK signed
 * passes through as it was (fetch refuses to set some). Also learns a table's key attribute names with
 * one DescribeTable, made with the caller's own headers (same region and credentials), and caches them.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Answer } from './answers.js';
import type { KeyNames } from './items.js';

interface Upstream {
  send(method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<Answer>;
  close(): void;
}

/** Headers that belong to one connection, not to the request or answer they travel with. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'expect']);

function endToEnd(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && name !== 'host' && name !== 'content-length') kept[name] = value;
  }
  return kept;
}

function connectUpstream(url: string): Upstream {
  const base = new URL(url);
  const transport = base.protocol === 'https:' ? https : http;
  const agent = new transport.Agent({ keepAlive: true });
  const send = (method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const request = transport.request(
        {
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port,
          method,
          path: `${base.pathname.replace(/\/$/, '')}${path}`,
          headers: { ...endToEnd(headers), host: base.host, 'content-length': String(body.length) },
          agent,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const answerHeaders: Record<string, string> = {};
            for (const [name, value] of Object.entries(endToEnd(response.headers))) {
              answerHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({ status: response.statusCode ?? 502, headers: answerHeaders, body: Buffer.concat(chunks) });
          });
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  return { send, close: () => agent.destroy() };
}

/**
 * Key attribute names per table, from one DescribeTable upstream (made with the headers of the request
 * that needed it). A failed lookup is not cached: the next request asks again.
 */
function keyNamesFrom(upstream: Upstream, onLookup: () => void): (headers: IncomingHttpHeaders) => KeyNames {
  const cache = new Map<string, Promise<readonly string[] | undefined>>();
  const describe = async (table: string, headers: IncomingHttpHeaders): Promise<readonly string[] | undefined> => {
    onLookup();
    const body = Buffer.from(JSON.stringify({ TableName: table }));
    const answer = await upstream.send('POST', '/', { ...headers, 'x-amz-target': 'DynamoDB_20120810.DescribeTable' }, body);
    if (answer.status !== 200) return undefined;
    const schema = (JSON.parse(answer.body.toString('utf8')) as { Table?: { KeySchema?: { AttributeName?: string }[] } }).Table?.KeySchema;
    const names = schema?.map((element) => element.AttributeName).filter((name): name is string => typeof name === 'string');
    return names !== undefined && names.length > 0 ? names : undefined;
  };
  return (headers) => (table) => {
    const known = cache.get(table);
    if (known !== undefined) return known;
    const lookup = describe(table, headers).catch(() => undefined);
    cache.set(table, lookup);
    void lookup.then((names) => {
      if (names === undefined) cache.delete(table);
    });
    return lookup;
  };
}

export type { Upstream };
export { connectUpstream, keyNamesFrom };
