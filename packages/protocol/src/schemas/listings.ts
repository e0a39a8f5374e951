/**
 * The two listings of the contract (v1.1): the caller's jobs and the active nodes, their queries and
 * their pages. A page's `next_cursor` is opaque: the client sends it back as `cursor` to get the next
 * page, and `null` means the walk is over.
 */
import { ID_SCHEMAS, TIMESTAMP } from './fields.js';
import { MODEL_OFFER, NODE_STATUS } from './requests.js';
import { JOB_STATUS, JOB_VIEW } from './responses.js';
import type { Infer, ObjectSchema } from './schema.js';

/** The most items a listing page holds, and how many when the query does not say. */
const LIST_LIMIT = { type: 'integer', name: 'PageLimit', minimum: 1, maximum: 100, default: 20 } as const;

/** Opaque: sent back as it came, as `cursor`, for the next page. */
const CURSOR = { type: 'string', name: 'Cursor', minLength: 1, maxLength: 1024 } as const;

/** `GET /v1/private-inference/jobs`. */
const JOB_LIST_QUERY = {
  type: 'object',
  properties: { status: JOB_STATUS, limit: LIST_LIMIT, cursor: CURSOR },
} as const satisfies ObjectSchema;

/** `GET /v1/private-inference/nodes`. */
const NODE_LIST_QUERY = {
  type: 'object',
  properties: { model_id: ID_SCHEMAS.model_id, limit: LIST_LIMIT, cursor: CURSOR },
} as const satisfies ObjectSchema;

/** `null`: the walk is over. */
const NEXT_CURSOR = { ...CURSOR, nullable: true } as const;

const { encrypted_request: _request, encrypted_response: _response, ...LISTED_JOB_FIELDS } = JOB_VIEW.properties;

/** A job as listed: the job's view without its two envelopes. */
const LISTED_JOB = {
  type: 'object',
  name: 'ListedJob',
  properties: LISTED_JOB_FIELDS,
  required: [
    'job_id',
    'node_id',
    'model_id',
    'status',
    'receipt_hash',
    'billing',
    'created_at',
    'claim_deadline',
    'completion_deadline',
    'completed_at',
  ],
} as const satisfies ObjectSchema;

const JOB_LIST = {
  type: 'object',
  properties: { jobs: { type: 'array', items: LISTED_JOB }, next_cursor: NEXT_CURSOR },
  required: ['jobs', 'next_cursor'],
} as const satisfies ObjectSchema;

const LISTED_NODE = {
  type: 'object',
  name: 'ListedNode',
  properties: {
    node_id: ID_SCHEMAS.node_id,
    status: NODE_STATUS,
    models: { type: 'array', items: MODEL_OFFER },
    last_seen_at: { ...TIMESTAMP, nullable: true },
  },
  required: ['node_id', 'status', 'models', 'last_seen_at'],
} as const satisfies ObjectSchema;

const NODE_LIST = {
  type: 'object',
  properties: { nodes: { type: 'array', items: LISTED_NODE }, next_cursor: NEXT_CURSOR },
  required: ['nodes', 'next_cursor'],
} as const satisfies ObjectSchema;

type ListedJob = Infer<typeof LISTED_JOB>;
type JobList = Infer<typeof JOB_LIST>;
type ListedNode = Infer<typeof LISTED_NODE>;
type NodeList = Infer<typeof NODE_LIST>;

export type { JobList, ListedJob, ListedNode, NodeList };
export { JOB_LIST, JOB_LIST_QUERY, LIST_LIMIT, LISTED_JOB, LISTED_NODE, NODE_LIST, NODE_LIST_QUERY };
