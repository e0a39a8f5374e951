import type { Envelope } from '@b3iq/protocol';
import {
  ACCOUNT_VIEW,
  BILLING_JOB_VIEW,
  CANCEL,
  CREATE_CUSTOMER,
  CREDIT,
  CUSTOMER_CREATED,
  ENVELOPE,
  encodeBase64url,
  FAILURE,
  fieldsOf,
  ID_PATTERNS,
  ID_SCHEMAS,
  type IdKind,
  isId,
  isTimestamp,
  JOB_ACCEPTED,
  JOB_REQUEST,
  JOB_VIEW,
  KEY_DIRECTORY_VIEW,
  LEASE,
  NODE_ENROLLMENT,
  NODE_JOB_VIEW,
  NODE_VIEW,
  type ObjectSchema,
  OPENAPI_DOCUMENT,
  PULL,
  PULLED_COMMANDS,
  parseWei,
  RECEIPT_VIEW,
  RELEASE_STALE,
  RESULT,
  STALE_RESERVATIONS,
  sealEnvelope,
  TIMESTAMP,
  USAGE_VIEW,
  WEI,
} from '@b3iq/protocol';
import { x25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJobRequest } from '../../../lambdas/domain/job-request.js';
import { parseNodeEnrollment } from '../../../lambdas/domain/node.js';
import { PROBLEMS, Problem, type ProblemCode } from '../../../lambdas/domain/problems.js';
import { openApiAnswer, openApiDocument, UNROUTED } from '../../../lambdas/http/openapi.js';
import { API_ROUTES } from '../../../lambdas/http/routes.js';
import { parseStaleQuery } from '../../../lambdas/services/stale-reservations.js';
import { METHODS, OpenApiContract } from '../../integration/support/openapi-contract.js';
import { x25519PublicKey } from '../support/key-directory.js';

type Json = Record<string, unknown>;

const OMIT = Symbol('omit');

/** Mostly the valid value of each field, sometimes one that breaks a rule, or the field left out. */
function mutated(fields: Record<string, [valid: unknown, ...broken: unknown[]]>): fc.Arbitrary<Json> {
  const entries = Object.entries(fields).map(([name, [valid, ...broken]]) => [
    name,
    broken.length === 0
      ? fc.constant(valid)
      : fc.oneof({ weight: 6, arbitrary: fc.constant(valid) }, { weight: 1, arbitrary: fc.constantFrom(...broken) }),
  ]);
  return fc
    .record(Object.fromEntries(entries) as Record<string, fc.Arbitrary<unknown>>)
    .map((record) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== OMIT)));
}

/** Runs a parser: whether it accepted, and the problem code when it did not. */
function verdict(parse: () => unknown): { accepted: boolean; code?: string } {
  try {
    parse();
    return { accepted: true };
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    return { accepted: false, code: error.code };
  }
}

const contract = new OpenApiContract();
const document = contract.document;

function operations(): { method: string; path: string; operation: Json }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Json>)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
}

/** A `$ref` of the document followed to what it names. */
function follow(value: unknown): Json {
  let current = value as Json;
  while (typeof current.$ref === 'string') {
    current = current.$ref
      .slice(2)
      .split('/')
      .reduce<Json>((node, part) => node[part] as Json, document as unknown as Json);
  }
  return current;
}

function problemCodesOf(operation: Json): ProblemCode[] {
  return Object.entries(operation.responses as Json)
    .filter(([status]) => Number(status) >= 400)
    .flatMap(([, response]) => {
      const schema = (follow(response).content as Record<string, { schema: Json }>)['application/json']!.schema;
      return ((schema.properties as Json).error as { properties: { code: { enum: ProblemCode[] } } }).properties.code.enum;
    });
}

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1: the OAS meta-schema, every schema compiled strictly, every $ref resolved', () => {
    expect(contract.documentProblems()).toEqual([]);
  });

  it.each([
    {
      case: 'a response without a description',
      change: (doc: Json) => {
        delete ((((doc.paths as Json)['/v1/billing/account'] as Json).get as Json).responses as Record<string, Json>)['200']!.description;
      },
      problem: 'OpenAPI 3.1 schema',
    },
    {
      case: 'an unknown keyword in a schema',
      change: (doc: Json) => {
        ((doc.components as Json).schemas as Record<string, Json>).Account!.patternn = 'x';
      },
      problem: 'unknown keyword',
    },
    {
      case: 'a reference to nothing',
      change: (doc: Json) => {
        ((doc.components as Json).schemas as Record<string, Json>).Job!.properties = { job_id: { $ref: '#/components/schemas/Nothing' } };
      },
      problem: 'resolves to nothing',
    },
  ])('is checked by a test that catches $case (negative control)', ({ change, problem }) => {
    // Prepare
    const broken = structuredClone(document) as unknown as Json;
    change(broken);

    // Act
    const problems = new OpenApiContract(broken as unknown as typeof document).documentProblems();

    // Assess
    expect(problems.join('\n')).toContain(problem);
  });

  it('has every route of routes.ts with its method, and no other operation', () => {
    const documented = operations().map(({ method, path }) => `${method} ${path}`);

    expect(documented.sort()).toEqual(API_ROUTES.map((route) => `${route.method} ${route.path}`).sort());
  });

  it('names every problem code of problems.ts, each under its own status', () => {
    // Prepare
    const problemSchema = document.components.schemas.Problem as { properties: { error: { properties: { code: { enum: string[] } } } } };
    const answered = new Set(operations().flatMap(({ operation }) => problemCodesOf(operation)));

    // Assess: the problem shape knows every code; every code is an operation's answer, or the
    // answer to a route the document does not list (404 not_found, 405 method_not_allowed).
    expect(problemSchema.properties.error.properties.code.enum.sort()).toEqual(Object.keys(PROBLEMS).sort());
    for (const code of Object.keys(PROBLEMS) as ProblemCode[]) {
      expect(answered.has(code) || UNROUTED.includes(code), code).toBe(true);
    }
    expect(document.info.description).toContain('404 not_found');
    expect(document.info.description).toContain('405 method_not_allowed');
    for (const { operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses as Json)) {
        if (Number(status) < 400) continue;
        const schema = (follow(response).content as Record<string, { schema: Json }>)['application/json']!.schema;
        const error = (schema.properties as Json).error as { properties: { status: { const: number }; code: { enum: ProblemCode[] } } };
        expect(error.properties.status.const).toBe(Number(status));
        for (const code of error.properties.code.enum) expect(PROBLEMS[code].status).toBe(Number(status));
      }
    }
  });

  it('lets every operation answer rate_limited and internal_error, and every body route the body problems', () => {
    for (const { method, path, operation } of operations()) {
      const codes = problemCodesOf(operation);
      expect(codes, `${method} ${path}`).toEqual(expect.arrayContaining(['rate_limited', 'internal_error']));
      if (operation.requestBody !== undefined) {
        expect(codes, `${method} ${path}`).toEqual(
          expect.arrayContaining(['invalid_request', 'payload_too_large', 'unsupported_media_type']),
        );
      }
    }
  });

  it.each<{ route: string; declaration: ObjectSchema; required: boolean }>([
    { route: 'POST /v1/private-inference/jobs', declaration: JOB_REQUEST, required: true },
    { route: 'POST /v1/private-inference/jobs/{job_id}/cancel', declaration: CANCEL, required: false },
    { route: 'POST /v1/admin/customers', declaration: CREATE_CUSTOMER, required: false },
    { route: 'POST /v1/admin/customers/{customer_id}/credits', declaration: CREDIT, required: true },
    { route: 'PUT /v1/admin/nodes/{node_id}', declaration: NODE_ENROLLMENT, required: true },
    { route: 'POST /v1/admin/reservations/release-stale', declaration: RELEASE_STALE, required: false },
    { route: 'POST /v1/nodes/{node_id}/commands/pull', declaration: PULL, required: false },
    { route: 'POST /v1/nodes/{node_id}/commands/{command_id}/lease', declaration: LEASE, required: true },
    { route: 'POST /v1/nodes/{node_id}/commands/{command_id}/result', declaration: RESULT, required: true },
    { route: 'POST /v1/nodes/{node_id}/commands/{command_id}/failure', declaration: FAILURE, required: true },
  ])('renders the request body of $route from the declaration the parser reads', ({ route, declaration, required }) => {
    // Prepare
    const [method, path] = route.split(' ') as [string, string];
    const requestBody = contract.operation(method, path)!.requestBody as { required: boolean; content: Record<string, { schema: Json }> };

    // Act
    const schema = follow(requestBody.content['application/json']!.schema);

    // Assess
    expect(requestBody.required).toBe(required);
    expect(Object.keys(schema.properties as Json)).toEqual(fieldsOf(declaration));
    expect(schema.required ?? []).toEqual(declaration.required ?? []);
    expect(schema.additionalProperties).toBe(false);
  });

  it.each<{ route: string; status: number; declaration: ObjectSchema }>([
    { route: 'POST /v1/private-inference/jobs', status: 202, declaration: JOB_ACCEPTED },
    { route: 'POST /v1/private-inference/jobs/{job_id}/cancel', status: 200, declaration: JOB_VIEW },
    { route: 'GET /v1/private-inference/jobs/{job_id}', status: 200, declaration: JOB_VIEW },
    { route: 'GET /v1/private-inference/nodes/{node_id}', status: 200, declaration: NODE_VIEW },
    { route: 'GET /v1/private-inference/key-directory', status: 200, declaration: KEY_DIRECTORY_VIEW },
    { route: 'GET /v1/billing/account', status: 200, declaration: ACCOUNT_VIEW },
    { route: 'GET /v1/billing/jobs/{job_id}', status: 200, declaration: BILLING_JOB_VIEW },
    { route: 'GET /v1/billing/usage', status: 200, declaration: USAGE_VIEW },
    { route: 'GET /v1/receipts/{receipt_hash}', status: 200, declaration: RECEIPT_VIEW },
    { route: 'GET /v1/openapi.json', status: 200, declaration: OPENAPI_DOCUMENT },
    { route: 'POST /v1/nodes/{node_id}/commands/pull', status: 200, declaration: PULLED_COMMANDS },
    { route: 'POST /v1/nodes/{node_id}/commands/{command_id}/lease', status: 200, declaration: NODE_JOB_VIEW },
    { route: 'POST /v1/nodes/{node_id}/commands/{command_id}/result', status: 200, declaration: NODE_JOB_VIEW },
    { route: 'POST /v1/nodes/{node_id}/commands/{command_id}/failure', status: 200, declaration: NODE_JOB_VIEW },
    { route: 'POST /v1/admin/customers', status: 201, declaration: CUSTOMER_CREATED },
    { route: 'POST /v1/admin/customers/{customer_id}/credits', status: 200, declaration: ACCOUNT_VIEW },
    { route: 'PUT /v1/admin/nodes/{node_id}', status: 200, declaration: NODE_VIEW },
    { route: 'POST /v1/admin/reservations/release-stale', status: 200, declaration: STALE_RESERVATIONS },
  ])('renders the $status answer of $route from the declaration its view is typed from', ({ route, status, declaration }) => {
    // Prepare
    const [method, path] = route.split(' ') as [string, string];
    const responses = contract.operation(method, path)!.responses as Record<string, { content: Record<string, { schema: Json }> }>;

    // Act
    const schema = follow(responses[String(status)]!.content['application/json']!.schema);

    // Assess: the only 2xx answer, with the declared fields, required ones and openness.
    expect(Object.keys(responses).filter((code) => Number(code) < 300)).toEqual([String(status)]);
    expect(Object.keys(schema.properties as Json)).toEqual(fieldsOf(declaration));
    expect(schema.required ?? []).toEqual(declaration.required ?? []);
    expect(schema.additionalProperties).toBe(declaration.open ? undefined : false);
  });

  it('shows the identifier, wei, timestamp and envelope rules the validators compile', () => {
    const schemas = document.components.schemas as Record<string, { pattern?: string; properties?: Json; required?: string[] }>;
    const names: Record<IdKind, string> = {
      node_id: 'NodeId',
      customer_id: 'CustomerId',
      job_id: 'JobId',
      credit_id: 'CreditId',
      key_id: 'KeyId',
      model_id: 'ModelId',
      token_id: 'TokenId',
    };

    for (const [kind, name] of Object.entries(names) as [IdKind, string][]) {
      expect(schemas[name]!.pattern).toBe(ID_PATTERNS[kind].source);
      expect(schemas[name]!.pattern).toBe(ID_SCHEMAS[kind].pattern);
    }
    expect(schemas.Wei!.pattern).toBe(WEI.pattern);
    expect(schemas.Timestamp!.pattern).toBe(TIMESTAMP.pattern);
    expect(Object.keys(schemas.Envelope!.properties!)).toEqual([
      'version',
      'key_id',
      'algorithm',
      'client_public_key_x25519',
      'nonce',
      'ciphertext',
      'aad_hash',
    ]);
    expect(schemas.Envelope!.required).toEqual([...ENVELOPE.required]);
    expect((schemas.Envelope!.properties!.nonce as Json).maxLength).toBe(16);
    expect((schemas.Envelope!.properties!.ciphertext as Json).maxLength).toBe(Math.ceil((512 * 1024 * 4) / 3));
  });

  it('lets every admin operation be called with the admin token or with SigV4, as the stage is deployed, and nothing else', () => {
    const admin = operations().filter(({ path }) => path.startsWith('/v1/admin/'));

    expect(admin.length).toBeGreaterThan(0);
    for (const { operation } of admin) expect(operation.security).toEqual([{ adminToken: [] }, { adminSigV4: [] }]);
    expect(document.components.securitySchemes.adminSigV4).toMatchObject({ in: 'header', name: 'Authorization' });
    expect(operations().filter(({ operation }) => JSON.stringify(operation.security ?? []).includes('adminSigV4'))).toEqual(admin);
  });

  it('says why API Gateway does not validate requests against it', () => {
    expect(document.info.description).toMatch(/API Gateway does not validate requests.*credentials/);
  });

  it('is served by GET /v1/openapi.json, built once, and stays small', async () => {
    // Act
    const first = openApiAnswer();
    const second = openApiAnswer();

    // Assess
    expect(first.status).toBe(200);
    expect(first.body).toBe(openApiDocument());
    expect(second.body).toBe(first.body);
    expect(
      contract.answerProblem('GET', '/v1/openapi.json', { ...first, headers: { 'Content-Type': 'application/json' } }),
    ).toBeUndefined();
    // v1.1 adds the listings and the webhook endpoint routes; the budget still catches a runaway render.
    expect(JSON.stringify(first.body).length).toBeLessThan(64 * 1024);
  });
});

describe('the request validators and the document agree', () => {
  const idCharacter = fc.constantFrom(...'aZ09_-.:/ é'.split(''));
  const idLike = fc.oneof(fc.string({ unit: idCharacter, maxLength: 8 }), fc.string({ unit: idCharacter, minLength: 60, maxLength: 132 }));
  const component = (name: string) => contract.validator({ $ref: `#/components/schemas/${name}` });

  it.each<{ kind: IdKind; name: string }>([
    { kind: 'node_id', name: 'NodeId' },
    { kind: 'customer_id', name: 'CustomerId' },
    { kind: 'job_id', name: 'JobId' },
    { kind: 'credit_id', name: 'CreditId' },
    { kind: 'key_id', name: 'KeyId' },
    { kind: 'model_id', name: 'ModelId' },
  ])('on every $kind (isId and the $name schema)', ({ kind, name }) => {
    const validate = component(name);
    fc.assert(fc.property(fc.oneof(idLike, fc.anything()), (value) => isId(kind, value) === validate(value)));
  });

  it('on every wei amount (parseWei and the Wei schema)', () => {
    const validate = component('Wei');
    const weiLike = fc.oneof(fc.stringMatching(/^-?0?[0-9]{0,40}$/), fc.bigInt({ min: 0n, max: 10n ** 40n }).map(String), fc.anything());
    fc.assert(fc.property(weiLike, (value) => (parseWei(value) !== undefined) === validate(value)));
  });

  it('on every timestamp the validator takes (isTimestamp and the Timestamp schema)', () => {
    const validate = component('Timestamp');
    const stamps = fc.oneof(
      fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
      fc.string(),
      fc.constant('2026-02-30T00:00:00Z'),
    );
    fc.assert(fc.property(stamps, (value) => !isTimestamp(value) || validate(value)));
  });

  it('on release-stale bodies (parseStaleQuery and the request schema)', () => {
    const body = mutated({
      dry_run: [OMIT, true, false, null, 'yes'],
      older_than_seconds: [OMIT, 0, 600, 31_622_400, 31_622_401, -1, 1.5, null, '10'],
      limit: [OMIT, 1, 100, 1000, 0, 1001, null, 2.5],
      extra: [OMIT, 1],
    });
    const seen = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(body, (fields) => {
        const { accepted, code } = verdict(() => parseStaleQuery(fields));
        seen[accepted ? 'accepted' : 'refused'] += 1;
        if (!accepted) expect(code).toBe('invalid_request');
        expect(contract.requestBodyProblem('POST', '/v1/admin/reservations/release-stale', fields) === undefined).toBe(accepted);
      }),
      { numRuns: 300 },
    );
    expect(Math.min(seen.accepted, seen.refused)).toBeGreaterThan(30);
  });

  it('on job requests: the parser accepts only what the schema allows, and the schema only what the parser takes (but for the envelope binding)', () => {
    // Prepare: one envelope sealed for node-alpha and meta/llama, and values that break each rule.
    const nodePublicKey = x25519.getPublicKey(x25519.utils.randomSecretKey());
    const sealed: Envelope = sealEnvelope(
      'request',
      nodePublicKey,
      { key_id: 'tk-1', node_id: 'node-alpha', model_id: 'meta/llama' },
      new Uint8Array(8),
    ).envelope;
    const body = mutated({
      job_id: ['job-1', OMIT, '', '-job', 'j'.repeat(129), 7, null],
      node_id: ['node-alpha', OMIT, 'node-beta', 'node.alpha', '', 5, null],
      model_id: ['meta/llama', OMIT, 'mistral-7b', '/llama', 3],
      max_price_wei: ['1000', OMIT, '0', '01', '-1', 1000, `1${'0'.repeat(38)}`, null],
      encrypted_request: [
        sealed,
        OMIT,
        { ...sealed, extra: 'x' },
        { ...sealed, nonce: encodeBase64url(new Uint8Array(11)) },
        { ...sealed, version: 'v2' },
        { ...sealed, key_id: '' },
        Object.fromEntries(Object.entries(sealed).filter(([name]) => name !== 'ciphertext')),
        { ...sealed, ciphertext: encodeBase64url(new Uint8Array(512 * 1024 + 1)) },
        'sealed',
        null,
      ],
      customer_id: [OMIT, 'acme'],
    });
    const seen = { accepted: 0, refused: 0 };

    fc.assert(
      fc.property(body, (fields) => {
        // Act
        const { accepted, code } = verdict(() => parseJobRequest(fields));
        const allowed = contract.requestBodyProblem('POST', '/v1/private-inference/jobs', fields) === undefined;
        seen[accepted ? 'accepted' : 'refused'] += 1;

        // Assess
        if (!accepted) expect(['invalid_request', 'invalid_encrypted_request', 'payload_too_large']).toContain(code);
        if (accepted) expect(allowed).toBe(true);
        const boundAsSealed = fields.node_id === 'node-alpha' && fields.model_id === 'meta/llama';
        if (allowed && boundAsSealed) expect(accepted).toBe(true);
      }),
      { numRuns: 400 },
    );
    expect(Math.min(seen.accepted, seen.refused)).toBeGreaterThan(40);
  });

  it('on node enrollments: the parser accepts only what the schema allows', () => {
    const key = x25519PublicKey();
    const model = mutated({
      model_id: ['m-1', '/m', 1, OMIT],
      price_wei: ['10', '0', 1, OMIT, '9'.repeat(26), `1${'0'.repeat(26)}`],
      extra: [OMIT, 'x'],
    });
    const transportKey = mutated({
      key_id: ['tk-1', '', 'tk/1', OMIT],
      public_key_x25519: [key, 'AAAA', 1, OMIT],
      valid_until: [OMIT, null, '2030-01-01T00:00:00Z', 'tomorrow'],
      node_signature_ed25519: [OMIT, encodeBase64url(new Uint8Array(64).fill(5)), encodeBase64url(new Uint8Array(63)), null],
    });
    const list = (item: fc.Arbitrary<Json>) =>
      fc.oneof(
        { weight: 6, arbitrary: fc.array(item, { minLength: 1, maxLength: 1 }) },
        { weight: 1, arbitrary: fc.constantFrom<unknown>([], 'm', null) },
      );
    const body = fc
      .tuple(
        mutated({
          status: ['active', 'disabled', 'paused', 1, OMIT],
          identity_public_key_ed25519: [OMIT, encodeBase64url(new Uint8Array(32).fill(9)), encodeBase64url(new Uint8Array(31)), null],
          extra: [OMIT, true],
        }),
        list(model),
        list(transportKey),
      )
      .map(([fields, models, keys]) => ({ ...fields, models, transport_keys: keys }));
    const seen = { accepted: 0, refused: 0 };

    fc.assert(
      fc.property(body, (fields) => {
        const { accepted, code } = verdict(() => parseNodeEnrollment(fields));
        seen[accepted ? 'accepted' : 'refused'] += 1;
        if (!accepted) expect(code).toBe('invalid_request');
        if (accepted) expect(contract.requestBodyProblem('PUT', '/v1/admin/nodes/{node_id}', fields)).toBeUndefined();
      }),
      { numRuns: 400 },
    );
    expect(Math.min(seen.accepted, seen.refused)).toBeGreaterThan(40);
  });
});
