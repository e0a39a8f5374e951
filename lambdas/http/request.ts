/**
 * The part of an API Gateway proxy event that the services read, with header names lowercased,
 * and the body rules every JSON endpoint shares: media type (415), size (413), JSON (400).
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { Problem } from '../domain/problems.js';

interface HttpRequest {
  method: string;
  /** The route template, e.g. `/v1/private-inference/jobs/{job_id}`. */
  route: string;
  /**
   * The path relative to the API root, e.g. `/v1/nodes/node-a/commands/pull`: the same whether the API
   * is called on its stage URL or behind a custom domain's base path mapping (see `pathFromApiRoot`).
   */
  path: string;
  pathParameters: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  /** The caller's IP address as API Gateway saw it (`requestContext.identity.sourceIp`). */
  sourceAddress: string | undefined;
  /** On a method with IAM authorization, the AWS identity that signed the call (`requestContext.identity.userArn`). */
  callerArn?: string | undefined;
}

const MAX_BODY_BYTES = 1024 * 1024;

function toHttpRequest(event: APIGatewayProxyEvent): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const raw = event.body ?? '';
  return {
    method: event.httpMethod.toUpperCase(),
    route: event.resource,
    path: pathFromApiRoot(event.path, event.resource),
    pathParameters: definedValues(event.pathParameters),
    query: definedValues(event.queryStringParameters),
    headers,
    body: event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw,
    sourceAddress: event.requestContext?.identity?.sourceIp ?? undefined,
    callerArn: event.requestContext?.identity?.userArn ?? undefined,
  };
}

/**
 * `event.path` without what precedes the API root. On the stage URL it has no prefix; behind a custom
 * domain whose base path `b3iq` maps to the stage, API Gateway gives `/b3iq/v1/...`. The route template
 * (`event.resource`) fixes how many segments the API's own path has, so the path's last that many
 * segments are kept as API Gateway gave them (no re-encoding, a trailing slash kept). A greedy
 * `{proxy+}` route, or a path that does not end in the route's literal segments, is left whole.
 */
function pathFromApiRoot(path: string, route: string): string {
  if (route.includes('+}')) return path;
  const segments = path.split('/');
  const routeSegments = route.split('/');
  const trailingSlash = segments.length > 1 && segments.at(-1) === '' && routeSegments.at(-1) !== '' ? 1 : 0;
  const start = segments.length - trailingSlash - routeSegments.length;
  if (start <= 0) return path;
  const own = segments.slice(start);
  const matches = routeSegments.every((part, i) => i === 0 || part.startsWith('{') || part === own[i]);
  return matches ? ['', ...own.slice(1)].join('/') : path;
}

function definedValues(values: Record<string, string | undefined> | null | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** A header of a raw event by name, whatever its case. */
function headerOf(headers: Record<string, string | undefined> | null | undefined, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === wanted)?.[1];
}

/** `application/json`, any case, parameters such as `charset=utf-8` allowed. */
function isJsonMediaType(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/** Each body is parsed at most once, however many times it is read. */
const parsedBodies = new WeakMap<HttpRequest, { ok: true; value: unknown } | { ok: false }>();

function parseBody(request: HttpRequest): { ok: true; value: unknown } | { ok: false } {
  let parsed = parsedBodies.get(request);
  if (parsed === undefined) {
    try {
      parsed = { ok: true, value: JSON.parse(request.body) as unknown };
    } catch {
      parsed = { ok: false };
    }
    parsedBodies.set(request, parsed);
  }
  return parsed;
}

/**
 * The body as JSON after the media-type and size checks. `emptyIsObject` lets an empty body
 * stand for `{}` (admin customer creation and cancel); an empty body needs no media type.
 */
function readJsonBody(request: HttpRequest, options: { emptyIsObject?: boolean } = {}): unknown {
  if (request.body.length === 0 && options.emptyIsObject) return {};
  if (!isJsonMediaType(request.headers['content-type'])) {
    throw new Problem('unsupported_media_type', 'send the body as Content-Type: application/json');
  }
  if (Buffer.byteLength(request.body, 'utf8') > MAX_BODY_BYTES) {
    throw new Problem('payload_too_large', 'the body is larger than 1 MiB');
  }
  if (request.body.length === 0) throw new Problem('invalid_request', 'the body is empty; send a JSON object');
  const parsed = parseBody(request);
  if (!parsed.ok) throw new Problem('invalid_request', 'the body is not valid JSON');
  return parsed.value;
}

/** Top-level fields of a body that may not be valid, to prefetch what it names; nothing is checked. */
function peekJsonFields(request: HttpRequest, names: string[]): Record<string, unknown> {
  if (request.body.length === 0 || request.body.length > MAX_BODY_BYTES) return {};
  const parsed = parseBody(request);
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) return {};
  const value = parsed.value as Record<string, unknown>;
  return Object.fromEntries(names.map((name) => [name, value[name]]));
}

export type { HttpRequest };
export { headerOf, pathFromApiRoot, peekJsonFields, readJsonBody, toHttpRequest };
