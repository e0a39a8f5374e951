/**
 * Renders the operation catalogue (`openapi-operations.ts`) and the schema declarations it names
 * into an OpenAPI 3.1 document: schemas become JSON Schema 2020-12, each named schema once under
 * `components.schemas`, and each set of problem codes one shared component response. The
 * renderer adds no field and no rule of its own beyond what the declarations say.
 */

import { BASE64URL_PATTERN, base64urlLength, base64urlPattern, type ObjectSchema, type Schema, type StringSchema } from '@b3iq/protocol';
import { PROBLEMS, type ProblemCode } from '../domain/problems.js';

type Json = Record<string, unknown>;

/** One route of the API as the document lists it. */
interface DocumentedOperation {
  method: string;
  /** The route template; each `{name}` is a path parameter of the catalogue. */
  path: string;
  id: string;
  summary: string;
  security: Record<string, string[]>[];
  body?: ObjectSchema;
  /** An empty body stands for `{}`. */
  bodyOptional?: boolean;
  query?: ObjectSchema;
  ok: [status: 200 | 201 | 202, schema: ObjectSchema];
  /** Every problem code the operation may answer. */
  problems: ProblemCode[];
}

interface ApiKeyScheme {
  type: string;
  in: string;
  name: string;
  description: string;
}

/** Everything the document says, as data. */
interface Catalogue {
  info: { title: string; version: string; description: string };
  servers: { url: string; description: string }[];
  /** Rendered before the operations, so that each of these components keeps its own description. */
  fieldSchemas: Schema[];
  pathParameters: Record<string, StringSchema>;
  operations: DocumentedOperation[];
  /** The body of every non-2xx answer, rendered last. */
  problem: ObjectSchema;
  securitySchemes: Record<string, ApiKeyScheme>;
}

interface OpenApiDocument {
  openapi: string;
  info: Catalogue['info'];
  servers: Catalogue['servers'];
  paths: Record<string, Record<string, Json>>;
  components: {
    schemas: Record<string, Json>;
    parameters: Record<string, { name: string; in: string; required: boolean; schema: Json }>;
    responses: Record<string, Json>;
    securitySchemes: Record<string, ApiKeyScheme>;
  };
}

/** Renders declarations to JSON Schema 2020-12, named schemas once under `components.schemas`. */
class SchemaRenderer {
  readonly schemas: Record<string, Json> = {};
  readonly #known: Record<string, { body: string; description: unknown }> = {};

  /**
   * A named schema is a reference to one component; a copy of it may only add `nullable` or its
   * own description (which the reference then carries).
   */
  render(schema: Schema): Json {
    if (schema.name === undefined) return this.#body(schema);
    const { name, nullable, ...rest } = schema;
    const { description, ...body } = this.#body(rest as Schema);
    this.#known[name] ??= { body: JSON.stringify(body), description };
    const known = this.#known[name];
    if (known.body !== JSON.stringify(body)) throw new Error(`two different schemas are named ${name}`);
    this.schemas[name] ??= description === undefined ? body : { description, ...body };
    const ref = { $ref: `#/components/schemas/${name}`, ...(description === known.description ? {} : { description }) };
    return nullable ? { anyOf: [ref, { type: 'null' }] } : ref;
  }

  #body(schema: Schema): Json {
    const out: Json = { type: schema.nullable ? [schema.type, 'null'] : schema.type };
    if (schema.description !== undefined) out.description = schema.description;
    switch (schema.type) {
      case 'string': {
        if (schema.enum !== undefined) out.enum = schema.nullable ? [...schema.enum, null] : schema.enum;
        if (schema.format !== undefined) out.format = schema.format;
        if (schema.bytes !== undefined) {
          const { min, max } = typeof schema.bytes === 'number' ? { min: schema.bytes, max: schema.bytes } : schema.bytes;
          // Canonical only: an exact length fixes the last character's alphabet; a range takes the general pattern.
          Object.assign(out, {
            contentEncoding: 'base64url',
            pattern: min === max ? base64urlPattern(min) : BASE64URL_PATTERN,
            minLength: base64urlLength(min),
            maxLength: base64urlLength(max),
          });
        }
        if (schema.pattern !== undefined) out.pattern = schema.pattern;
        if (schema.minLength !== undefined) out.minLength = schema.minLength;
        if (schema.maxLength !== undefined) out.maxLength = schema.maxLength;
        break;
      }
      case 'integer':
        Object.assign(out, { minimum: schema.minimum, ...(schema.maximum === undefined ? {} : { maximum: schema.maximum }) });
        if (schema.default !== undefined) out.default = schema.default;
        break;
      case 'boolean':
        if (schema.default !== undefined) out.default = schema.default;
        break;
      case 'array':
        out.items = this.render(schema.items);
        if (schema.minItems !== undefined) out.minItems = schema.minItems;
        break;
      case 'object':
        out.properties = Object.fromEntries(Object.entries(schema.properties).map(([name, property]) => [name, this.render(property)]));
        if (schema.required !== undefined && schema.required.length > 0) out.required = schema.required;
        if (!schema.open) out.additionalProperties = false;
        break;
    }
    return out;
  }
}

const json = (schema: Json) => ({ 'application/json': { schema } });

/**
 * An operation's problem answers by status, each narrowed to the codes it may carry. Each set of
 * codes is one component response, shared by the operations that answer it.
 */
function problemResponses(codes: ProblemCode[], shared: Record<string, Json>): Record<string, Json> {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of new Set(codes)) byStatus.set(PROBLEMS[code].status, [...(byStatus.get(PROBLEMS[code].status) ?? []), code]);
  const responses = [...byStatus]
    .sort(([a], [b]) => a - b)
    .map(([status, list]) => {
      const name = list.join('.');
      shared[name] ??= {
        description: list.join(', '),
        content: json({
          $ref: '#/components/schemas/Problem',
          type: 'object',
          properties: { error: { type: 'object', properties: { status: { const: status }, code: { enum: list } } } },
        }),
      };
      return [String(status), { $ref: `#/components/responses/${name}` }];
    });
  return Object.fromEntries(responses);
}

function renderOperation(op: DocumentedOperation, renderer: SchemaRenderer, responses: Record<string, Json>): Json {
  const parameters = [
    ...[...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ $ref: `#/components/parameters/${name}` })),
    ...Object.entries(op.query?.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', schema: renderer.render(schema) })),
  ];
  const [status, schema] = op.ok;
  return {
    operationId: op.id,
    summary: op.summary,
    security: op.security,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: !op.bodyOptional,
            ...(op.bodyOptional ? { description: 'an empty body counts as {}' } : {}),
            content: json(renderer.render(op.body)),
          },
        }
      : {}),
    responses: {
      [String(status)]: { description: 'OK', content: json(renderer.render(schema)) },
      ...problemResponses(op.problems, responses),
    },
  };
}

function renderDocument(catalogue: Catalogue): OpenApiDocument {
  const renderer = new SchemaRenderer();
  for (const schema of catalogue.fieldSchemas) renderer.render(schema);
  const parameters = Object.fromEntries(
    Object.entries(catalogue.pathParameters).map(([name, schema]) => [
      name,
      { name, in: 'path', required: true, schema: renderer.render(schema) },
    ]),
  );
  const responses: Record<string, Json> = {};
  const paths: Record<string, Record<string, Json>> = {};
  for (const op of catalogue.operations) {
    paths[op.path] ??= {};
    (paths[op.path] as Record<string, Json>)[op.method.toLowerCase()] = renderOperation(op, renderer, responses);
  }
  renderer.render(catalogue.problem);
  return {
    openapi: '3.1.1',
    info: catalogue.info,
    servers: catalogue.servers,
    paths,
    components: { schemas: renderer.schemas, parameters, responses, securitySchemes: catalogue.securitySchemes },
  };
}

export type { Catalogue, DocumentedOperation, OpenApiDocument };
export { renderDocument };
